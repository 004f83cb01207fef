import EdgeModel

/// One tokenized training sequence: input ids and, per position, the id to predict next or −1 (no loss).
public struct TrainingExample: Sendable, Equatable {
    public var tokens: [Int32]
    /// targets[t] = tokens[t + 1] when that token is trainable (assistant content or its end marker), else −1.
    public var targets: [Int32]

    public init(tokens: [Int32], targets: [Int32]) {
        precondition(tokens.count == targets.count, "tokens and targets differ in length")
        self.tokens = tokens
        self.targets = targets
    }

    public var count: Int { tokens.count }
    /// Positions that carry a loss.
    public var targetCount: Int { targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}

/// Renders chat messages with the model's template and tokenizes them with a loss mask: only the assistant
/// content and its end marker (`</s>` / `<|im_end|>`) are trained on, as in supervised fine-tuning.
///
/// Segments are tokenized one by one (special tokens parsed), so the prompt part tokenizes exactly as the
/// prompt does at inference time (`render(..., addGenerationPrompt: true)`).
public struct ChatExampleEncoder: Sendable {
    public let tokenizer: any Tokenizer
    public let template: ChatTemplate

    public init(tokenizer: any Tokenizer, template: ChatTemplate) {
        self.tokenizer = tokenizer
        self.template = template
    }

    /// Tokens and targets of a whole conversation.
    public func encode(_ messages: [ChatMessage]) throws -> TrainingExample {
        var tokens: [Int32] = [], trainable: [Bool] = []
        if tokenizer.addsBosByDefault, let bos = tokenizer.bosTokenId {
            tokens.append(bos)
            trainable.append(false)
        }
        for segment in template.renderSegments(messages, addGenerationPrompt: false) {
            let ids = try tokenizer.encode(segment.text, addBos: false, parseSpecialTokens: true)
            tokens += ids
            trainable += Array(repeating: segment.trainable, count: ids.count)
        }
        var targets = [Int32](repeating: -1, count: tokens.count)
        for t in 0..<max(0, tokens.count - 1) where trainable[t + 1] { targets[t] = tokens[t + 1] }
        return TrainingExample(tokens: tokens, targets: targets)
    }

    /// Prompt ids for generation: the messages plus the assistant opener, tokenized like `encode`.
    public func encodePrompt(_ messages: [ChatMessage]) throws -> [Int32] {
        try template.encodePrompt(messages, tokenizer: tokenizer)
    }
}
