// SentencePiece-style BPE over a GGUF "llama" vocabulary (tokens, scores, token types), without libsentencepiece:
// llama.cpp's llm_tokenizer_spm (src/llama-vocab.cpp), itself a port of sentencepiece's bpe_model.cc —
// repeatedly merge the adjacent pair whose merged piece exists with the highest score (leftmost on ties),
// byte fallback `<0xXX>` for characters outside the vocabulary.
// Special-token handling and decoding match SentencePieceTokenizer (transformers legacy=False / HF decode);
// llama.cpp instead adds the space prefix again after every special token.

/// SentencePiece BPE tokenizer built from plain arrays (GGUF `tokenizer.ggml.model` = "llama").
public struct SentencePieceVocabTokenizer: Tokenizer {
    public let vocabSize: Int
    public let bosTokenId: Int32?
    public let eosTokenId: Int32?
    public let unkTokenId: Int32?
    public let padTokenId: Int32?
    public let addsBosByDefault: Bool
    public let specialTokenIds: Set<Int32>
    /// `tokenizer.ggml.add_space_prefix`: a "▁" before the text, dropped again by `decode`.
    public var decodeStripsLeadingSpace: Bool { addSpacePrefix }
    public let addSpacePrefix: Bool

    private let tokens: [String]
    private let scores: [Float]
    private let byteOf: [Int16]                          // id → byte for byte tokens, -1 otherwise
    private let bytesTable: [[UInt8]]
    private let idByToken: [String: Int32]
    private let mergeable: [ArraySlice<UInt8>: Int32]   // UTF-8 of normal / user-defined pieces → id
    private let byteTokens: [Int32]                      // byte → id of `<0xXX>`, -1 if absent
    private let matcher: SpecialTokenMatcher

    /// From GGUF metadata; `tokenizer.ggml.scores` is required.
    public init(gguf meta: GGUFTokenizerMetadata, source: String = "GGUF metadata") throws {
        guard let scores = meta.scores, scores.count == meta.tokens.count else {
            throw TokenizerError.invalidFile(path: source, reason: "tokenizer.ggml.scores is missing or not one per token")
        }
        let n = meta.tokens.count
        var byteOf = [Int16](repeating: -1, count: n), table: [[UInt8]] = [], index: [String: Int32] = [:]
        var mergeable: [ArraySlice<UInt8>: Int32] = [:], byteTokens = [Int32](repeating: -1, count: 256)
        var special = Set<Int32>(), matchable: [String: Int32] = [:]
        table.reserveCapacity(n)
        for (i, t) in meta.tokens.enumerated() {
            let id = Int32(i)
            if index[t] == nil { index[t] = id }
            switch meta.type(i) {
            case .byte:
                guard t.hasPrefix("<0x"), t.hasSuffix(">"), t.utf8.count == 6, let b = UInt8(t.dropFirst(3).dropLast(), radix: 16) else {
                    throw TokenizerError.invalidFile(path: source, reason: "byte token \(i) is \"\(t)\", not <0xXX>")
                }
                byteOf[i] = Int16(b)
                byteTokens[Int(b)] = id
                table.append([b])
            case .control, .unknown:
                special.insert(id)
                if !t.isEmpty { matchable[t] = id }
                table.append(Array(t.utf8))
            case .userDefined:
                if !t.isEmpty { matchable[t] = id }
                table.append(Array(t.utf8))
                if mergeable[Array(t.utf8)[...]] == nil { mergeable[Array(t.utf8)[...]] = id }
            case .unused:
                table.append(Array(t.utf8))
            case .normal, .undefined:
                table.append(Array(t.replacingOccurrences(of: "\u{2581}", with: " ").utf8))
                if mergeable[Array(t.utf8)[...]] == nil { mergeable[Array(t.utf8)[...]] = id }
            }
        }
        func valid(_ id: Int32?) -> Int32? { id.flatMap { $0 >= 0 && Int($0) < n ? $0 : nil } }
        self.tokens = meta.tokens
        self.scores = scores
        self.byteOf = byteOf
        self.bytesTable = table
        self.idByToken = index
        self.mergeable = mergeable
        self.byteTokens = byteTokens
        self.specialTokenIds = special
        self.matcher = SpecialTokenMatcher(matchable)
        self.vocabSize = n
        self.bosTokenId = valid(meta.bosTokenId)
        self.eosTokenId = valid(meta.eosTokenId)
        self.unkTokenId = valid(meta.unknownTokenId)
        self.padTokenId = valid(meta.paddingTokenId)
        self.addsBosByDefault = meta.addBosToken ?? true
        self.addSpacePrefix = meta.addSpacePrefix ?? true
    }

    public func encode(_ text: String, addBos: Bool?, parseSpecialTokens: Bool) throws -> [Int32] {
        var ids: [Int32] = []
        if addBos ?? addsBosByDefault, let bos = bosTokenId { ids.append(bos) }
        let bytes = Array(text.utf8)
        let segments: [SpecialTokenMatcher.Segment] =
            parseSpecialTokens ? matcher.split(bytes) : (bytes.isEmpty ? [] : [.text(0..<bytes.count)])
        for segment in segments {
            switch segment {
            case .special(let id): ids.append(id)
            case .text(let r): try encodeFragment(bytes[r], prefixSpace: addSpacePrefix && r.lowerBound == 0, into: &ids)
            }
        }
        return ids
    }

    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) throws -> String {
        try checkRange(ids)
        return Self.decodeHF(ids, skipSpecialTokens: skipSpecialTokens, stripLeadingSpace: addSpacePrefix,
                             isSpecial: { specialTokenIds.contains($0) }, byte: { byteOf[Int($0)] >= 0 ? UInt8(byteOf[Int($0)]) : nil },
                             bytes: { bytesTable[Int($0)] })
    }

    public func tokenBytes(_ id: Int32) -> [UInt8]? { id >= 0 && Int(id) < vocabSize ? bytesTable[Int(id)] : nil }
    public func tokenString(_ id: Int32) -> String? { id >= 0 && Int(id) < vocabSize ? tokens[Int(id)] : nil }
    public func tokenId(_ token: String) -> Int32? { idByToken[token] }

    /// transformers 5 Llama decode: runs of byte tokens become their bytes if valid UTF-8, else U+FFFD per byte;
    /// other tokens their bytes (▁ already a space); one leading space dropped when `stripLeadingSpace`.
    static func decodeHF(_ ids: [Int32], skipSpecialTokens: Bool, stripLeadingSpace: Bool, isSpecial: (Int32) -> Bool,
                         byte: (Int32) -> UInt8?, bytes: (Int32) -> [UInt8]) -> String {
        var out: [UInt8] = []
        var run: [UInt8] = []
        func flushRun() {
            if run.isEmpty { return }
            if String(validating: run, as: UTF8.self) != nil { out += run } else {
                for _ in run { out += [0xEF, 0xBF, 0xBD] }
            }
            run.removeAll(keepingCapacity: true)
        }
        for id in ids where !(skipSpecialTokens && isSpecial(id)) {
            if let b = byte(id) { run.append(b); continue }
            flushRun()
            out += bytes(id)
        }
        flushRun()
        if stripLeadingSpace, out.first == 0x20 { out.removeFirst() }
        return String(decoding: out, as: UTF8.self)
    }

    /// A priority-queue entry: merge symbols `left` and its right neighbour into a piece of `size` bytes.
    private struct Bigram {
        let score: Float
        let left: Int
        let size: Int
        /// Higher score first, then leftmost (llama.cpp's comparator).
        func before(_ o: Bigram) -> Bool { score != o.score ? score > o.score : left < o.left }
    }

    /// One fragment of plain text: spaces → "▁" (plus a leading one), split into UTF-8 characters, merge.
    private func encodeFragment(_ raw: ArraySlice<UInt8>, prefixSpace: Bool, into ids: inout [Int32]) throws {
        var text: [UInt8] = []
        text.reserveCapacity(raw.count + 3)
        if prefixSpace { text += [0xE2, 0x96, 0x81] }
        for b in raw { if b == 0x20 { text += [0xE2, 0x96, 0x81] } else { text.append(b) } }
        if text.isEmpty { return }
        // Symbols: UTF-8 characters, as a doubly linked list over `start`/`len`.
        var start: [Int] = [], len: [Int] = []
        var i = 0
        while i < text.count {
            let b = text[i]
            let w = b < 0x80 ? 1 : (b >= 0xF0 ? 4 : (b >= 0xE0 ? 3 : (b >= 0xC0 ? 2 : 1)))
            let width = min(w, text.count - i)
            start.append(i); len.append(width)
            i += width
        }
        let count = start.count
        var prev = Array(-1..<(count - 1)), next = Array(1...count)
        next[count - 1] = -1
        var heap: [Bigram] = []
        func push(_ left: Int) {
            guard left >= 0, next[left] >= 0 else { return }
            let right = next[left]
            let size = len[left] + len[right]
            guard let id = mergeable[text[start[left]..<(start[left] + size)]] else { return }
            heap.append(Bigram(score: scores[Int(id)], left: left, size: size))
            var c = heap.count - 1
            while c > 0 {
                let p = (c - 1) / 2
                if !heap[c].before(heap[p]) { break }
                heap.swapAt(c, p); c = p
            }
        }
        func pop() -> Bigram {
            let top = heap[0]
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
            var p = 0
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < heap.count && heap[l].before(heap[m]) { m = l }
                if r < heap.count && heap[r].before(heap[m]) { m = r }
                if m == p { break }
                heap.swapAt(p, m); p = m
            }
            return top
        }
        for s in 0..<(count - 1) { push(s) }
        while !heap.isEmpty {
            let bigram = pop()
            let left = bigram.left
            let right = next[left]
            // Stale entry: one side already merged away, or sizes changed since it was queued.
            guard len[left] > 0, right >= 0, len[right] > 0, len[left] + len[right] == bigram.size else { continue }
            len[left] += len[right]
            len[right] = 0
            next[left] = next[right]
            if next[right] >= 0 { prev[next[right]] = left }
            push(prev[left])
            push(left)
        }
        var s = 0
        while s >= 0 {
            let piece = text[start[s]..<(start[s] + len[s])]
            if let id = mergeable[piece] {
                ids.append(id)
            } else {
                for b in piece {
                    if byteTokens[Int(b)] >= 0 { ids.append(byteTokens[Int(b)]) } else if let unk = unkTokenId { ids.append(unk) } else {
                        throw TokenizerError.unencodable("byte 0x\(String(b, radix: 16)) (no <0xXX> token and no unknown token)")
                    }
                }
            }
            s = next[s]
        }
    }
}
