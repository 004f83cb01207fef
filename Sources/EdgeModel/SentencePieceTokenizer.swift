// SentencePiece tokenizer (tokenizer.model, as Llama-2 / TinyLlama) over the CSentencePiece C shim.
// Encoding mirrors transformers 4's slow LlamaTokenizer (legacy=False) = the sentencepiece library + llama.cpp;
// decoding mirrors transformers 5's LlamaTokenizer decoder (Replace ▁, ByteFallback, Fuse, Strip(left=1)).
// Every C call of the package's SentencePiece use lives in this file.
import CSentencePiece
import Foundation

/// A SentencePiece model loaded through libsentencepiece.
///
/// `@unchecked Sendable`: the two native processors are written only in `init` and freed in `deinit`;
/// SentencePieceProcessor's encode/decode are `const` and thread-safe, and all Swift state is immutable.
public final class SentencePieceTokenizer: Tokenizer, @unchecked Sendable {
    /// What a piece is, from the model proto's piece type.
    public enum PieceKind: Sendable, Equatable {
        case normal, control, unknown, byte(UInt8)
    }

    /// Where the model came from (for error messages).
    public let path: String
    public let vocabSize: Int
    public let bosTokenId: Int32?
    public let eosTokenId: Int32?
    public let unkTokenId: Int32?
    public let padTokenId: Int32?
    public let addsBosByDefault: Bool
    public let specialTokenIds: Set<Int32>
    public let decodeStripsLeadingSpace: Bool
    /// Normalizer name stored in the model ("identity" for Llama, "nmt_nfkc" for spm_train's default).
    public let normalizerName: String

    private let processor: OpaquePointer                // add_dummy_prefix as stored in the model
    private let continuationProcessor: OpaquePointer    // same model with add_dummy_prefix = false
    private let pieces: [String]
    private let scores: [Float]
    private let kinds: [PieceKind]
    private let bytesTable: [[UInt8]]
    private let idByPiece: [String: Int32]
    private let matcher: SpecialTokenMatcher

    /// Loads `tokenizer.model` from `modelPath`.
    /// - Parameters:
    ///   - addBos: default for `encode(addBos: nil)` (tokenizer_config.json `add_bos_token`; Llama: true).
    ///   - addedTokens: extra added tokens (tokenizer_config.json `added_tokens_decoder`), text → id; those in
    ///     `specialAddedTokens` are special. Ids past the model's pieces extend the vocabulary.
    public convenience init(modelPath: String, addBos: Bool = true, addedTokens: [String: Int32] = [:],
                            specialAddedTokens: Set<String> = []) throws {
        guard FileManager.default.fileExists(atPath: modelPath) else { throw TokenizerError.fileNotFound(modelPath) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: modelPath)) } catch {
            throw TokenizerError.invalidFile(path: modelPath, reason: "cannot read: \(error)")
        }
        try self.init(modelData: [UInt8](data), path: modelPath, addBos: addBos, addedTokens: addedTokens,
                      specialAddedTokens: specialAddedTokens)
    }

    /// Loads a serialized SentencePiece `ModelProto`.
    public init(modelData: [UInt8], path: String = "<memory>", addBos: Bool = true,
                addedTokens: [String: Int32] = [:], specialAddedTokens: Set<String> = []) throws {
        self.path = path
        let flags = try SentencePieceModelProto.normalizerFlags(modelData, path: path)
        let main = try Self.load(modelData, path: path)
        let cont: OpaquePointer
        do { cont = try Self.load(try SentencePieceModelProto.withoutDummyPrefix(modelData, path: path), path: path) } catch {
            spm_free(main)
            throw error
        }
        processor = main
        continuationProcessor = cont
        normalizerName = flags.name
        decodeStripsLeadingSpace = flags.addDummyPrefix
        addsBosByDefault = addBos

        let n = Int(spm_vocab_size(main))
        var pieces: [String] = [], scores: [Float] = [], kinds: [PieceKind] = [], table: [[UInt8]] = []
        var special = Set<Int32>(), specialText: [String: Int32] = [:], index: [String: Int32] = [:]
        pieces.reserveCapacity(n); scores.reserveCapacity(n); kinds.reserveCapacity(n); table.reserveCapacity(n)
        for i in 0..<Int32(n) {
            guard let cPiece = spm_id_to_piece(main, i) else {
                spm_free(main); spm_free(cont)
                throw TokenizerError.invalidFile(path: path, reason: "piece \(i) missing")
            }
            let piece = String(cString: cPiece)
            var kind = PieceKind.normal
            if spm_is_byte(main, i) != 0, piece.hasPrefix("<0x"), piece.count == 6,
               let b = UInt8(piece.dropFirst(3).dropLast(), radix: 16) {
                kind = .byte(b)
            } else if spm_is_unknown(main, i) != 0 {
                kind = .unknown
            } else if spm_is_control(main, i) != 0 {
                kind = .control
            }
            switch kind {
            case .normal: table.append(Array(piece.replacingOccurrences(of: "\u{2581}", with: " ").utf8))
            case .byte(let b): table.append([b])
            case .control, .unknown:
                table.append(Array(piece.utf8))
                special.insert(i)
                if !piece.isEmpty { specialText[piece] = i }
            }
            pieces.append(piece); scores.append(spm_get_score(main, i)); kinds.append(kind)
            index[piece] = index[piece] ?? i
        }
        for (text, id) in addedTokens.sorted(by: { $0.value < $1.value }) where id >= 0 {
            while pieces.count <= Int(id) {                        // extend past the model's pieces
                pieces.append(""); scores.append(0); kinds.append(.control); table.append([])
            }
            if Int(id) >= n { pieces[Int(id)] = text; table[Int(id)] = Array(text.utf8); index[text] = id }
            specialText[text] = id
            if specialAddedTokens.contains(text) { special.insert(id) }
        }
        self.pieces = pieces; self.scores = scores; self.kinds = kinds; self.bytesTable = table
        self.idByPiece = index; self.specialTokenIds = special; self.vocabSize = pieces.count
        self.matcher = SpecialTokenMatcher(specialText)
        func optionalId(_ v: Int32) -> Int32? { v >= 0 && Int(v) < n ? v : nil }
        bosTokenId = optionalId(spm_bos_id(main))
        eosTokenId = optionalId(spm_eos_id(main))
        unkTokenId = optionalId(spm_unk_id(main))
        padTokenId = optionalId(spm_pad_id(main))
    }

    deinit {
        spm_free(processor)
        spm_free(continuationProcessor)
    }

    // MARK: Tokenizer

    /// Special tokens in the text are split out first; the text before the first one (at offset 0) gets the
    /// dummy-prefix space, later text none (transformers' legacy=False behaviour, also llama.cpp's).
    public func encode(_ text: String, addBos: Bool?, parseSpecialTokens: Bool) throws -> [Int32] {
        let bytes = Array(text.utf8)
        var ids: [Int32] = []
        if addBos ?? addsBosByDefault, let bos = bosTokenId { ids.append(bos) }
        let segments: [SpecialTokenMatcher.Segment] =
            parseSpecialTokens ? matcher.split(bytes) : (bytes.isEmpty ? [] : [.text(0..<bytes.count)])
        for segment in segments {
            switch segment {
            case .special(let id): ids.append(id)
            case .text(let range):
                ids += try libraryEncode(bytes[range], processor: range.lowerBound == 0 ? processor : continuationProcessor)
            }
        }
        return ids
    }

    /// HF transformers 5 decode: pieces with ▁ → space; a run of byte pieces becomes its bytes when they are valid
    /// UTF-8, else one U+FFFD per byte; control pieces as their text unless skipped; one leading space dropped.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) throws -> String {
        try checkRange(ids)
        return SentencePieceVocabTokenizer.decodeHF(
            ids, skipSpecialTokens: skipSpecialTokens, stripLeadingSpace: decodeStripsLeadingSpace,
            isSpecial: { specialTokenIds.contains($0) },
            byte: { if case .byte(let b) = kinds[Int($0)] { return b } else { return nil } },
            bytes: { bytesTable[Int($0)] })
    }

    public func tokenBytes(_ id: Int32) -> [UInt8]? {
        id >= 0 && Int(id) < vocabSize ? bytesTable[Int(id)] : nil
    }

    public func tokenString(_ id: Int32) -> String? {
        id >= 0 && Int(id) < vocabSize ? pieces[Int(id)] : nil
    }

    public func tokenId(_ token: String) -> Int32? { idByPiece[token] }

    // MARK: SentencePiece specifics

    /// Piece score (log probability for unigram, merge priority for BPE), nil if out of range.
    public func score(_ id: Int32) -> Float? { id >= 0 && Int(id) < vocabSize ? scores[Int(id)] : nil }

    /// Piece kind, nil if out of range.
    public func kind(_ id: Int32) -> PieceKind? { id >= 0 && Int(id) < vocabSize ? kinds[Int(id)] : nil }

    /// The library's own encoding of the whole text (dummy prefix, no special-token parsing, no BOS).
    public func libraryEncode(_ text: String) throws -> [Int32] {
        try libraryEncode(Array(text.utf8)[...], processor: processor)
    }

    /// The library's own decoding (control pieces vanish, unknown becomes " ⁇ ", invalid bytes U+FFFD).
    public func libraryDecode(_ ids: [Int32]) throws -> String {
        let pieceCount = Int(spm_vocab_size(processor))
        for id in ids where id < 0 || Int(id) >= pieceCount {
            throw TokenizerError.idOutOfRange(id: id, vocabSize: pieceCount)
        }
        var length = 0
        let result = ids.withUnsafeBufferPointer { spm_decode(processor, $0.baseAddress, $0.count, &length) }
        guard let result else { throw Self.libraryError("decode") }
        defer { spm_free_string(result) }
        return result.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// Trains a model with libsentencepiece's trainer. `options` are spm_train flags without "--"
    /// (`["input": path, "model_prefix": prefix, "vocab_size": "500", "model_type": "bpe", "byte_fallback": "true"]`);
    /// writes `<model_prefix>.model` and `.vocab`.
    public static func train(options: [String: String]) throws {
        let pairs = options.sorted { $0.key < $1.key }
        let names = pairs.map { strdup($0.key) }
        let values = pairs.map { strdup($0.value) }
        defer { (names + values).forEach { free($0) } }
        let status = names.map { UnsafePointer($0) }.withUnsafeBufferPointer { n in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { v in
                spm_train_kv(n.baseAddress, v.baseAddress, pairs.count)
            }
        }
        if status != 0 { throw libraryError("train") }
    }

    /// Trains with an spm_train flag string (`"--input=corpus.txt --model_prefix=m --vocab_size=500"`); values
    /// cannot contain spaces — use `train(options:)` for such paths.
    public static func train(commandLine: String) throws {
        if spm_train(commandLine) != 0 { throw libraryError("train") }
    }

    // MARK: C calls

    private static func libraryError(_ operation: String) -> TokenizerError {
        .sentencePiece(operation: operation, message: String(cString: spm_last_error()))
    }

    private static func load(_ bytes: [UInt8], path: String) throws -> OpaquePointer {
        let p = bytes.withUnsafeBytes { spm_new_from_bytes($0.baseAddress, $0.count) }
        guard let p else {
            throw TokenizerError.invalidFile(path: path, reason: String(cString: spm_last_error()))
        }
        return p
    }

    private func libraryEncode(_ bytes: ArraySlice<UInt8>, processor: OpaquePointer) throws -> [Int32] {
        if bytes.isEmpty { return [] }
        var out: UnsafeMutablePointer<Int32>? = nil
        let n = bytes.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { spm_encode(processor, $0.baseAddress, $0.count, &out) }
        }
        guard n >= 0, let out else { throw Self.libraryError("encode") }
        defer { spm_free_ids(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(n)))
    }
}
