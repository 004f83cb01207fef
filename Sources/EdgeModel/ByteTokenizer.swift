// Byte tokenizer for `preset:` models that come without tokenizer files: one token per byte plus the chat
// specials, padded with reserved tokens to the presets' vocabulary size. No merges: every text is encodable.

/// Ids 0–255 are the bytes; then `<|endoftext|>` (256), `<|im_start|>` (257), `<|im_end|>` (258), the Zephyr
/// markers `<|system|>` `<|user|>` `<|assistant|>` `</s>` (259–262), then `<|reserved_N|>` up to `vocabSize`.
/// Chat format: ChatML (`ChatTemplate.chatML`).
public struct ByteTokenizer: Tokenizer {
    /// The vocabulary size of the presets' byte tokenizer.
    public static let defaultVocabSize = 320
    /// Special tokens in id order, starting at 256.
    public static let specialTexts = ["<|endoftext|>", "<|im_start|>", "<|im_end|>",
                                      "<|system|>", "<|user|>", "<|assistant|>", "</s>"]

    public let vocabSize: Int
    public var bosTokenId: Int32? { nil }
    /// `<|im_end|>`: generation ends with the assistant turn.
    public var eosTokenId: Int32? { 258 }
    public var unkTokenId: Int32? { nil }
    /// `<|endoftext|>`.
    public var padTokenId: Int32? { 256 }
    public var addsBosByDefault: Bool { false }
    public var decodeStripsLeadingSpace: Bool { false }
    public let specialTokenIds: Set<Int32>
    /// The chat template to use with this tokenizer.
    public var chatTemplate: ChatTemplate { .chatML }

    private let texts: [String]
    private let matcher: SpecialTokenMatcher
    private let idByText: [String: Int32]

    /// - Parameter vocabSize: at least 263 (bytes + specials); the rest are reserved tokens.
    public init(vocabSize: Int = ByteTokenizer.defaultVocabSize) throws {
        let minimum = 256 + Self.specialTexts.count
        guard vocabSize >= minimum else {
            throw TokenizerError.unsupportedTokenizer("byte tokenizer with vocab \(vocabSize) < \(minimum) (256 bytes + \(Self.specialTexts.count) specials)")
        }
        var texts = (0..<256).map { "<0x" + String(format2: $0) + ">" }
        texts += Self.specialTexts
        var reserved = 0
        while texts.count < vocabSize { texts.append("<|reserved_\(reserved)|>"); reserved += 1 }
        self.texts = texts
        self.vocabSize = vocabSize
        self.specialTokenIds = Set((256..<vocabSize).map { Int32($0) })
        var table: [String: Int32] = [:]
        for id in 256..<vocabSize { table[texts[id]] = Int32(id) }
        self.matcher = SpecialTokenMatcher(table)
        for b in 0..<256 { table[texts[b]] = Int32(b) }
        self.idByText = table
    }

    public func encode(_ text: String, addBos: Bool?, parseSpecialTokens: Bool) throws -> [Int32] {
        let bytes = Array(text.utf8)
        guard parseSpecialTokens else { return bytes.map { Int32($0) } }
        var ids: [Int32] = []
        ids.reserveCapacity(bytes.count)
        for segment in matcher.split(bytes) {
            switch segment {
            case .special(let id): ids.append(id)
            case .text(let r): for b in bytes[r] { ids.append(Int32(b)) }
            }
        }
        return ids
    }

    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) throws -> String {
        try checkRange(ids)
        var out: [UInt8] = []
        out.reserveCapacity(ids.count)
        for id in ids {
            if id < 256 { out.append(UInt8(id)) } else if !skipSpecialTokens { out += Array(texts[Int(id)].utf8) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public func tokenBytes(_ id: Int32) -> [UInt8]? {
        guard id >= 0 && Int(id) < vocabSize else { return nil }
        return id < 256 ? [UInt8(id)] : Array(texts[Int(id)].utf8)
    }

    /// `<0xXX>` for bytes, the token text for specials.
    public func tokenString(_ id: Int32) -> String? {
        id >= 0 && Int(id) < vocabSize ? texts[Int(id)] : nil
    }

    public func tokenId(_ token: String) -> Int32? { idByText[token] }
}

extension String {
    /// Two uppercase hex digits.
    fileprivate init(format2 value: Int) {
        let digits = Array("0123456789ABCDEF")
        self = String([digits[(value >> 4) & 15], digits[value & 15]])
    }
}
