extension ChatTemplate {
    /// Prompt ids for generation: the messages plus the assistant opener, tokenized exactly as fine-tuning
    /// tokenizes a conversation (`ChatExampleEncoder` in EdgeTrain): BOS when the tokenizer adds one by
    /// default, then each segment of `renderSegments(messages, addGenerationPrompt: true)` encoded on its own
    /// with special tokens parsed, so a fine-tuned model sees at inference the token boundaries it was trained on.
    public func encodePrompt(_ messages: [ChatMessage], tokenizer: any Tokenizer) throws -> [Int32] {
        var tokens: [Int32] = []
        if tokenizer.addsBosByDefault, let bos = tokenizer.bosTokenId { tokens.append(bos) }
        for segment in renderSegments(messages, addGenerationPrompt: true) {
            tokens += try tokenizer.encode(segment.text, addBos: false, parseSpecialTokens: true)
        }
        return tokens
    }
}
