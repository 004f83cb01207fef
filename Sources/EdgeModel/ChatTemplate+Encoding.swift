// Chat → token ids with a loss mask, for fine-tuning (torchtune's `tokenize_messages` returns the same pair).
// The conversation is encoded as one string (so ids equal encoding the rendered prompt), and each token is
// mapped back to the bytes it covers to decide whether it belongs to an assistant turn.

/// Token ids of a conversation and, per id, whether it is a training target.
public struct EncodedChat: Sendable, Equatable {
    public var ids: [Int32]
    /// `true` for tokens of assistant content and their end marker (`</s>` / `<|im_end|>`).
    public var lossMask: [Bool]
}

extension ChatTemplate {
    /// Ids of `render(messages, addGenerationPrompt:)` and the loss mask of its assistant turns.
    ///
    /// A token is trainable when any of its bytes lies in an assistant segment. BOS (if added) is not trainable.
    /// Throws `unsupportedTokenizer` when token bytes do not spell the text (a normalizing SentencePiece model).
    public func encode(_ messages: [ChatMessage], tokenizer: any Tokenizer, addGenerationPrompt: Bool = false,
                       addBos: Bool? = nil) throws -> EncodedChat {
        let segments = renderSegments(messages, addGenerationPrompt: addGenerationPrompt)
        let text = segments.map(\.text).joined()
        var trainable: [Range<Int>] = []
        var offset = 0
        for s in segments {
            let n = s.text.utf8.count
            if s.trainable { trainable.append(offset..<(offset + n)) }
            offset += n
        }
        let ids = try tokenizer.encode(text, addBos: addBos)
        var mask: [Bool] = []
        mask.reserveCapacity(ids.count)
        var start = 0
        if addBos ?? tokenizer.addsBosByDefault, let bos = tokenizer.bosTokenId, ids.first == bos {
            mask.append(false)
            start = 1
        }
        var position = 0
        var first = true
        for id in ids[start...] {
            guard let bytes = tokenizer.tokenBytes(id) else {
                throw TokenizerError.idOutOfRange(id: id, vocabSize: tokenizer.vocabSize)
            }
            var n = bytes.count
            if first && tokenizer.decodeStripsLeadingSpace && bytes.first == 0x20 && !text.hasPrefix(" ") { n -= 1 }
            first = false
            let range = position..<(position + n)
            mask.append(!range.isEmpty && trainable.contains { $0.overlaps(range) })
            position += n
        }
        guard position == text.utf8.count else {
            throw TokenizerError.unsupportedTokenizer(
                "loss mask: token bytes cover \(position) of \(text.utf8.count) text bytes (a normalizing tokenizer?)")
        }
        return EncodedChat(ids: ids, lossMask: mask)
    }
}
