// Byte-level BPE (GPT-2 / SmolLM2), mirroring HF tokenizers' `models.BPE` + `pre_tokenizers.ByteLevel`
// + `decoders.ByteLevel` (tokenizers 0.23) and llama.cpp's "gpt2" vocabulary type.
// Loaders: BPETokenizer+JSON.swift (tokenizer.json), TokenizerGGUF.swift (GGUF metadata).

/// A token added on top of the BPE model (`added_tokens` in tokenizer.json, control tokens in GGUF).
public struct AddedToken: Sendable, Equatable {
    public var content: String
    public var id: Int32
    /// Special tokens are skipped by `decode(skipSpecialTokens: true)` and matched in text only when
    /// `parseSpecialTokens` is true; non-special added tokens are always matched.
    public var special: Bool
    /// HF `lstrip` / `rstrip`: the match swallows whitespace on its left / right.
    public var lstrip: Bool
    public var rstrip: Bool

    public init(content: String, id: Int32, special: Bool, lstrip: Bool = false, rstrip: Bool = false) {
        self.content = content
        self.id = id
        self.special = special
        self.lstrip = lstrip
        self.rstrip = rstrip
    }
}

/// Byte-level BPE tokenizer. Encoding: split out added tokens, pre-tokenize, map each byte to its byte-level
/// token, then apply merges lowest-rank first (leftmost among equal ranks), on ids only.
public struct BPETokenizer: Tokenizer {
    /// A merge: its priority (lower first) and the id of the merged token.
    struct Merge: Sendable {
        let rank: Int32
        let id: Int32
    }

    public let vocabSize: Int
    public let bosTokenId: Int32?
    public let eosTokenId: Int32?
    public let unkTokenId: Int32?
    public let padTokenId: Int32?
    public let addsBosByDefault: Bool
    /// Whether `encode` appends EOS (a TemplateProcessing post-processor ending in a special token).
    public let addsEos: Bool
    public let specialTokenIds: Set<Int32>
    public var decodeStripsLeadingSpace: Bool { false }
    public let preTokenizer: PreTokenizer
    /// HF ByteLevel `add_prefix_space`: a space is prepended to text that does not start with one.
    public let addPrefixSpace: Bool
    /// HF BPE `ignore_merges`: a word that is itself in the vocabulary is emitted as is.
    public let ignoreMerges: Bool

    private let tokens: [String]
    private let idByToken: [String: Int32]
    private let bytesTable: [[UInt8]]
    private let byteIds: [Int32]                // byte → id of its byte-level token, -1 if missing
    private let merges: [UInt64: Merge]         // (left id << 32 | right id) → merge
    private let allAddedMatcher: SpecialTokenMatcher
    private let plainAddedMatcher: SpecialTokenMatcher

    /// - Parameters:
    ///   - tokens: token string of each id (byte-level spelling, "Ġthe"); ids of `addedTokens` may lie beyond.
    ///   - merges: merge pairs in priority order.
    ///   - source: where the vocabulary came from, for error messages.
    public init(tokens: [String], merges: [(String, String)], addedTokens: [AddedToken] = [],
                preTokenizer: PreTokenizer = .gpt2, bosTokenId: Int32? = nil, eosTokenId: Int32? = nil,
                unkTokenId: Int32? = nil, padTokenId: Int32? = nil, addBos: Bool = false, addEos: Bool = false,
                addPrefixSpace: Bool = false, ignoreMerges: Bool = false, source: String = "<memory>") throws {
        var tokens = tokens
        for t in addedTokens where t.id >= 0 {
            while tokens.count <= Int(t.id) { tokens.append("") }
            if tokens[Int(t.id)].isEmpty { tokens[Int(t.id)] = t.content }
        }
        var index: [String: Int32] = [:]
        index.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where index[t] == nil { index[t] = Int32(i) }
        for t in addedTokens where t.id >= 0 { index[t.content] = t.id }

        var table: [[UInt8]] = []
        table.reserveCapacity(tokens.count)
        for t in tokens { table.append(ByteLevelTable.decode(t) ?? Array(t.utf8)) }
        for t in addedTokens where t.id >= 0 {     // HF passes added tokens through the ByteLevel decoder too
            table[Int(t.id)] = ByteLevelTable.decode(t.content) ?? Array(t.content.utf8)
        }

        var byteIds = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            byteIds[b] = index[String(Character(ByteLevelTable.byteToScalar[b]))] ?? -1
        }

        var mergeTable: [UInt64: Merge] = [:]
        mergeTable.reserveCapacity(merges.count)
        for (rank, pair) in merges.enumerated() {
            guard let a = index[pair.0], let b = index[pair.1] else {
                throw TokenizerError.invalidFile(path: source, reason: "merge \(rank) \"\(pair.0) \(pair.1)\" uses a token missing from the vocabulary")
            }
            guard let merged = index[pair.0 + pair.1] else {
                throw TokenizerError.invalidFile(path: source, reason: "merge \(rank) result \"\(pair.0 + pair.1)\" is missing from the vocabulary")
            }
            let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
            if mergeTable[key] == nil { mergeTable[key] = Merge(rank: Int32(rank), id: merged) }
        }

        self.tokens = tokens
        self.idByToken = index
        self.bytesTable = table
        self.byteIds = byteIds
        self.merges = mergeTable
        self.vocabSize = tokens.count
        self.preTokenizer = preTokenizer
        self.bosTokenId = bosTokenId
        self.eosTokenId = eosTokenId
        self.unkTokenId = unkTokenId
        self.padTokenId = padTokenId
        self.addsBosByDefault = addBos
        self.addsEos = addEos
        self.addPrefixSpace = addPrefixSpace
        self.ignoreMerges = ignoreMerges
        self.specialTokenIds = Set(addedTokens.filter(\.special).map(\.id))
        let valid = addedTokens.filter { $0.id >= 0 }
        allAddedMatcher = SpecialTokenMatcher(tokens: valid)
        plainAddedMatcher = SpecialTokenMatcher(tokens: valid.filter { !$0.special })
    }

    // MARK: Tokenizer

    public func encode(_ text: String, addBos: Bool?, parseSpecialTokens: Bool) throws -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 2)
        if addBos ?? addsBosByDefault, let bos = bosTokenId { ids.append(bos) }
        let bytes = Array(text.utf8)
        for segment in (parseSpecialTokens ? allAddedMatcher : plainAddedMatcher).split(bytes) {
            switch segment {
            case .special(let id): ids.append(id)
            case .text(let range): try encodePlain(bytes[range], into: &ids)
            }
        }
        if addsEos, let eos = eosTokenId { ids.append(eos) }
        return ids
    }

    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) throws -> String {
        try checkRange(ids)
        var out: [UInt8] = []
        for id in ids where !(skipSpecialTokens && specialTokenIds.contains(id)) {
            out += bytesTable[Int(id)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    public func tokenBytes(_ id: Int32) -> [UInt8]? {
        id >= 0 && Int(id) < vocabSize ? bytesTable[Int(id)] : nil
    }

    public func tokenString(_ id: Int32) -> String? {
        id >= 0 && Int(id) < vocabSize ? tokens[Int(id)] : nil
    }

    public func tokenId(_ token: String) -> Int32? { idByToken[token] }

    /// Number of merges.
    public var mergeCount: Int { merges.count }

    // MARK: BPE

    /// Text without added tokens: pre-tokenize, then BPE each word.
    private func encodePlain(_ bytes: ArraySlice<UInt8>, into ids: inout [Int32]) throws {
        var text = String(decoding: bytes, as: UTF8.self)
        if addPrefixSpace && !(text.first?.isWhitespace ?? true) { text = " " + text }
        let utf8 = Array(text.utf8)
        for word in preTokenizer.split(text) {
            try encodeWord(utf8[word], into: &ids)
        }
    }

    /// One pre-tokenized word (raw bytes): byte-level ids, then merges by rank.
    func encodeWord(_ word: ArraySlice<UInt8>, into ids: inout [Int32]) throws {
        if word.isEmpty { return }
        if ignoreMerges, let id = idByToken[ByteLevelTable.encode(word)] { ids.append(id); return }
        var syms: [Int32] = []
        syms.reserveCapacity(word.count)
        for b in word {
            let id = byteIds[Int(b)]
            if id >= 0 { syms.append(id) } else if let unk = unkTokenId { syms.append(unk) } else {
                throw TokenizerError.unencodable("byte 0x\(String(b, radix: 16)) (no byte-level token for it)")
            }
        }
        if syms.count == 1 { ids.append(syms[0]); return }
        // ranks[i]: rank of merging syms[i], syms[i+1] (Int32.max if no merge).
        var ranks = [Int32](repeating: .max, count: syms.count - 1)
        for i in 0..<(syms.count - 1) { ranks[i] = rank(syms[i], syms[i + 1]) }
        while !ranks.isEmpty {
            var best = 0
            var bestRank = ranks[0]
            for i in 1..<ranks.count where ranks[i] < bestRank { best = i; bestRank = ranks[i] }
            if bestRank == .max { break }
            syms[best] = mergedId(syms[best], syms[best + 1])
            syms.remove(at: best + 1)
            ranks.remove(at: best)
            if best > 0 { ranks[best - 1] = rank(syms[best - 1], syms[best]) }
            if best < ranks.count { ranks[best] = rank(syms[best], syms[best + 1]) }
        }
        ids.append(contentsOf: syms)
    }

    @inline(__always) private func key(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    @inline(__always) private func rank(_ a: Int32, _ b: Int32) -> Int32 {
        merges[key(a, b)]?.rank ?? .max
    }

    @inline(__always) private func mergedId(_ a: Int32, _ b: Int32) -> Int32 {
        merges[key(a, b)]?.id ?? a
    }
}
