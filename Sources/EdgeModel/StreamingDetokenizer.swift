// Incremental detokenization for streaming generation: tokens arrive one by one, text leaves as soon as
// it is complete UTF-8. Mirrors the idea of transformers' TextStreamer without re-decoding the whole sequence.

/// Turns a stream of token ids into text, holding back bytes of an incomplete UTF-8 sequence
/// (a byte-fallback or byte-level token may carry only part of a character) until the rest arrives.
///
/// For byte-level BPE and the byte tokenizer, the concatenation of everything `append` and `finish` return equals
/// `tokenizer.decode(ids, skipSpecialTokens:)`. For SentencePiece it does too for valid UTF-8 and when
/// `stripLeadingSpace` is set like `decode` (HF replaces each byte of an invalid byte-fallback run by U+FFFD,
/// a stream by maximal subparts).
public struct StreamingDetokenizer: Sendable {
    public let tokenizer: any Tokenizer
    public let skipSpecialTokens: Bool
    private var pending: [UInt8] = []
    private var stripLeadingSpace: Bool

    /// - Parameters:
    ///   - skipSpecialTokens: drop control tokens (`</s>`, `<|im_end|>`) instead of emitting their text.
    ///   - stripLeadingSpace: drop one space at the very start, as `decode` does for SentencePiece
    ///     (`tokenizer.decodeStripsLeadingSpace`). Leave false when continuing after a prompt.
    public init(tokenizer: any Tokenizer, skipSpecialTokens: Bool = true, stripLeadingSpace: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
        self.stripLeadingSpace = stripLeadingSpace
    }

    /// Bytes held back because they end in an incomplete UTF-8 sequence.
    public var pendingByteCount: Int { pending.count }

    /// Adds one token and returns the text that became complete ("" if none yet).
    public mutating func append(_ id: Int32) throws -> String {
        guard let bytes = tokenizer.tokenBytes(id) else {
            throw TokenizerError.idOutOfRange(id: id, vocabSize: tokenizer.vocabSize)
        }
        if skipSpecialTokens && tokenizer.isSpecial(id) { return "" }
        pending.append(contentsOf: bytes)
        if stripLeadingSpace, let first = pending.first {
            if first == 0x20 { pending.removeFirst() }
            stripLeadingSpace = false
        }
        let cut = Self.completePrefixLength(pending)
        if cut == 0 { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Adds several tokens; returns the text that became complete.
    public mutating func append(contentsOf ids: [Int32]) throws -> String {
        var out = ""
        for id in ids { out += try append(id) }
        return out
    }

    /// Flushes held-back bytes (an incomplete sequence becomes U+FFFD) and resets.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix of `bytes` that does not end inside a possibly-valid incomplete UTF-8 sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var i = n - 1
        let lowest = max(0, n - 4)
        while i >= lowest {
            let b = bytes[i]
            if b < 0x80 { return n }                      // ASCII: everything is complete
            if b >= 0xC0 {                                // lead byte: does its sequence fit?
                let need = b >= 0xF0 ? 4 : (b >= 0xE0 ? 3 : 2)
                return i + need > n && b < 0xF8 ? i : n
            }
            i -= 1                                        // continuation byte: keep looking for the lead
        }
        return n
    }
}
