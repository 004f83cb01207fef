// Tokenizer seam of EdgeModel: one protocol, three implementations
// (SentencePieceTokenizer, BPETokenizer, ByteTokenizer), mirroring
// Hugging Face tokenizers / transformers 5 (encode + decode semantics) and llama.cpp (GGUF vocabularies).

/// Errors of the tokenizer layer. Every message names the file or value at fault and says what to do next.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A tokenizer file is missing.
    case fileNotFound(String)
    /// A tokenizer file exists but cannot be used (`path`, `reason`).
    case invalidFile(path: String, reason: String)
    /// The SentencePiece library reported an error (`operation`, library message).
    case sentencePiece(operation: String, message: String)
    /// The tokenizer kind or one of its components is not implemented (e.g. a WordPiece model).
    case unsupportedTokenizer(String)
    /// A token id outside `0..<vocabSize`.
    case idOutOfRange(id: Int32, vocabSize: Int)
    /// Text needs a byte or symbol the vocabulary cannot represent (no byte fallback, no unk token).
    case unencodable(String)
    /// A chat template string none of our renderers recognises (`snippet` is its beginning).
    case unknownChatTemplate(snippet: String)
    /// A `--chat-template` name we do not know.
    case unknownChatTemplateName(String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "tokenizer file not found: \(path) ---> HINT: a model directory needs tokenizer.json (byte-level BPE) or tokenizer.model (SentencePiece)"
        case .invalidFile(let path, let reason):
            return "invalid tokenizer file \(path): \(reason) ---> HINT: re-download the tokenizer files or re-save them with transformers"
        case .sentencePiece(let operation, let message):
            return "SentencePiece \(operation) failed: \(message) ---> HINT: check that the file is a SentencePiece ModelProto (tokenizer.model)"
        case .unsupportedTokenizer(let what):
            return "unsupported tokenizer: \(what) ---> HINT: supported are SentencePiece tokenizer.model, byte-level BPE tokenizer.json, and GGUF tokenizer.ggml.model gpt2/llama"
        case .idOutOfRange(let id, let vocabSize):
            return "token id \(id) is outside the vocabulary 0..<\(vocabSize) ---> HINT: the ids were made with a different tokenizer or model"
        case .unencodable(let what):
            return "cannot encode \(what) ---> HINT: the vocabulary lacks byte fallback and an unknown token"
        case .unknownChatTemplate(let snippet):
            return "unrecognised chat template starting \"\(snippet)\" ---> HINT: pass --chat-template zephyr|chatml"
        case .unknownChatTemplateName(let name):
            return "unknown chat template name \"\(name)\" ---> HINT: use --chat-template zephyr|chatml|smollm2"
        }
    }
}

/// Text ↔ token ids. Implementations are immutable after construction and safe to share between threads.
///
/// Decoding follows Hugging Face transformers 5 (`tokenizer.decode(ids, skip_special_tokens:)`,
/// `clean_up_tokenization_spaces=False`). Encoding of special tokens written in the text follows HF: special
/// tokens are matched (leftmost, longest) before pre-tokenization unless `parseSpecialTokens` is false.
public protocol Tokenizer: Sendable {
    /// Number of token ids, added tokens included (the model's embedding rows may be more).
    var vocabSize: Int { get }
    var bosTokenId: Int32? { get }
    var eosTokenId: Int32? { get }
    var unkTokenId: Int32? { get }
    var padTokenId: Int32? { get }
    /// Whether `encode` prepends BOS when the caller passes `addBos: nil`.
    var addsBosByDefault: Bool { get }
    /// Control / special added tokens: matched in text when encoding, dropped by `decode(skipSpecialTokens: true)`.
    var specialTokenIds: Set<Int32> { get }
    /// Whether `decode` drops one leading space (SentencePiece's dummy prefix, HF's `Strip(left=1)` decoder).
    var decodeStripsLeadingSpace: Bool { get }

    /// Token ids of `text`. `addBos: nil` means `addsBosByDefault`.
    func encode(_ text: String, addBos: Bool?, parseSpecialTokens: Bool) throws -> [Int32]
    /// Text of `ids`; throws `idOutOfRange` for an id outside the vocabulary.
    func decode(_ ids: [Int32], skipSpecialTokens: Bool) throws -> String
    /// The raw bytes token `id` contributes to decoded text (special tokens: their UTF-8 text), nil if out of range.
    /// These may be an incomplete UTF-8 sequence (byte-fallback and byte-level tokens); see `StreamingDetokenizer`.
    func tokenBytes(_ id: Int32) -> [UInt8]?
    /// The token as the vocabulary spells it (`▁the`, `Ġthe`, `<0x0A>`, `<|im_end|>`), nil if out of range.
    func tokenString(_ id: Int32) -> String?
    /// The id of a vocabulary entry spelled exactly `token`, if any.
    func tokenId(_ token: String) -> Int32?
}

extension Tokenizer {
    /// Encodes with the tokenizer's default BOS behaviour, matching special tokens in the text.
    public func encode(_ text: String) throws -> [Int32] {
        try encode(text, addBos: nil, parseSpecialTokens: true)
    }

    /// Encodes, matching special tokens in the text.
    public func encode(_ text: String, addBos: Bool?) throws -> [Int32] {
        try encode(text, addBos: addBos, parseSpecialTokens: true)
    }

    /// Decodes keeping special tokens' text, like HF `decode(ids)`.
    public func decode(_ ids: [Int32]) throws -> String {
        try decode(ids, skipSpecialTokens: false)
    }

    /// The text a single token contributes, lossily decoded (an incomplete UTF-8 sequence becomes U+FFFD).
    /// Use `tokenBytes` to build constrained-decoding tables over bytes.
    public func tokenText(_ id: Int32) -> String? {
        tokenBytes(id).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether `id` is a special (control) token.
    public func isSpecial(_ id: Int32) -> Bool { specialTokenIds.contains(id) }

    /// Throws `idOutOfRange` unless every id is in `0..<vocabSize`.
    func checkRange(_ ids: [Int32]) throws {
        for id in ids where id < 0 || Int(id) >= vocabSize {
            throw TokenizerError.idOutOfRange(id: id, vocabSize: vocabSize)
        }
    }
}

/// Splits text at special tokens written literally in it ("<|im_start|>user…"), leftmost-longest match as
/// Hugging Face's AddedVocabulary does. Works on UTF-8 bytes; token texts are matched exactly.
public struct SpecialTokenMatcher: Sendable {
    /// A piece of the input: a run of plain text (UTF-8 byte range) or one special token.
    public enum Segment: Equatable, Sendable {
        case text(Range<Int>)
        case special(Int32)
    }

    private struct Entry: Sendable {
        let bytes: [UInt8]
        let id: Int32
        let lstrip: Bool
        let rstrip: Bool
    }

    /// Candidates by first byte, longest first.
    private let byFirstByte: [UInt8: [Entry]]

    /// `tokens`: special token text → id. Empty texts are ignored.
    public init(_ tokens: [String: Int32]) {
        self.init(tokens: tokens.map { AddedToken(content: $0.key, id: $0.value, special: true) })
    }

    /// Added tokens with their `lstrip` / `rstrip` flags (ASCII whitespace next to a match is swallowed).
    public init(tokens: [AddedToken]) {
        var table: [UInt8: [Entry]] = [:]
        for t in tokens where !t.content.isEmpty {
            let bytes = Array(t.content.utf8)
            table[bytes[0], default: []].append(Entry(bytes: bytes, id: t.id, lstrip: t.lstrip, rstrip: t.rstrip))
        }
        for key in table.keys {
            table[key]?.sort { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        }
        byFirstByte = table
    }

    public var isEmpty: Bool { byFirstByte.isEmpty }

    /// Segments of `bytes` in order; text segments are never empty.
    public func split(_ bytes: [UInt8]) -> [Segment] {
        if byFirstByte.isEmpty { return bytes.isEmpty ? [] : [.text(0..<bytes.count)] }
        var out: [Segment] = []
        var textStart = 0
        var i = 0
        let n = bytes.count
        outer: while i < n {
            if let candidates = byFirstByte[bytes[i]] {
                for cand in candidates where i + cand.bytes.count <= n {
                    var equal = true
                    for k in 1..<cand.bytes.count where bytes[i + k] != cand.bytes[k] { equal = false; break }
                    if equal {
                        var left = i
                        if cand.lstrip { while left > textStart && Self.isSpace(bytes[left - 1]) { left -= 1 } }
                        if textStart < left { out.append(.text(textStart..<left)) }
                        out.append(.special(cand.id))
                        i += cand.bytes.count
                        if cand.rstrip { while i < n && Self.isSpace(bytes[i]) { i += 1 } }
                        textStart = i
                        continue outer
                    }
                }
            }
            i += 1
        }
        if textStart < n { out.append(.text(textStart..<n)) }
        return out
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
}
