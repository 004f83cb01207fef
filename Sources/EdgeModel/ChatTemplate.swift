// Chat templates rendered in Swift (no Jinja engine), byte-identical to transformers' apply_chat_template
// (jinja2, trim_blocks + lstrip_blocks) on the models' own templates:
//   Zephyr  — TinyLlama/TinyLlama-1.1B-Chat-v1.0 tokenizer_config.json chat_template
//   ChatML  — HuggingFaceTB/SmolLM2-135M-Instruct chat_template (default system prompt when none is given)
import Foundation

/// One chat message.
public struct ChatMessage: Sendable, Equatable, Codable {
    /// "system", "user" or "assistant".
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}

/// A piece of a rendered conversation; `trainable` marks assistant content and its end marker (loss mask = 1).
public struct ChatSegment: Sendable, Equatable {
    public var text: String
    public var trainable: Bool

    public init(text: String, trainable: Bool) {
        self.text = text
        self.trainable = trainable
    }
}

/// The chat formats EdgeAgent renders.
public enum ChatTemplate: Sendable, Equatable {
    /// `<|system|>\n{content}</s>\n<|user|>\n{content}</s>\n<|assistant|>\n` (TinyLlama-1.1B-Chat).
    case zephyr
    /// `<|im_start|>{role}\n{content}<|im_end|>\n` … `<|im_start|>assistant\n`; when the first message is not a
    /// system message and `defaultSystemPrompt` is set, a system message with it comes first (SmolLM2).
    case chatml(defaultSystemPrompt: String?)

    /// SmolLM2-Instruct's default system prompt, verbatim from its template.
    public static let smolLM2SystemPrompt = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    /// SmolLM2-Instruct's template.
    public static let smolLM2 = ChatTemplate.chatml(defaultSystemPrompt: smolLM2SystemPrompt)
    /// Plain ChatML without a default system prompt (presets with the byte tokenizer).
    public static let chatML = ChatTemplate.chatml(defaultSystemPrompt: nil)

    /// By `--chat-template` name: `zephyr` (or `tinyllama`), `chatml`, `smollm2`.
    public init(name: String) throws {
        switch name.lowercased() {
        case "zephyr", "tinyllama": self = .zephyr
        case "chatml": self = .chatML
        case "smollm2", "smollm": self = .smolLM2
        default: throw TokenizerError.unknownChatTemplateName(name)
        }
    }

    /// Recognises a model's Jinja template (tokenizer_config.json `chat_template` / GGUF `tokenizer.chat_template`)
    /// by its markers; a ChatML template's literal default system prompt is kept.
    public init(jinja source: String) throws {
        if source.contains("<|im_start|>") && source.contains("<|im_end|>") {
            self = .chatml(defaultSystemPrompt: Self.literalDefaultSystemPrompt(source))
        } else if source.contains("<|user|>") && source.contains("<|assistant|>") {
            self = .zephyr
        } else {
            let head = source.prefix(60).replacingOccurrences(of: "\n", with: "\\n")
            throw TokenizerError.unknownChatTemplate(snippet: String(head))
        }
    }

    /// The text ending an assistant turn: a stop sequence for generation and the last trainable piece of a turn.
    public var assistantEndMarker: String {
        switch self {
        case .zephyr: return "</s>"
        case .chatml: return "<|im_end|>"
        }
    }

    /// Texts that end generation.
    public var stopSequences: [String] {
        switch self {
        case .zephyr: return ["</s>"]
        case .chatml: return ["<|im_end|>", "<|endoftext|>"]
        }
    }

    /// The text that opens an assistant turn (what `addGenerationPrompt` appends).
    public var generationPrompt: String {
        switch self {
        case .zephyr: return "<|assistant|>\n"
        case .chatml: return "<|im_start|>assistant\n"
        }
    }

    /// The special-token texts the template writes (for byte tokenizers and checks).
    public var specialTokens: [String] {
        switch self {
        case .zephyr: return ["<|system|>", "<|user|>", "<|assistant|>", "</s>"]
        case .chatml: return ["<|im_start|>", "<|im_end|>"]
        }
    }

    /// The prompt text for `messages`, as `apply_chat_template(messages, tokenize=False, add_generation_prompt:)`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        renderSegments(messages, addGenerationPrompt: addGenerationPrompt).map(\.text).joined()
    }

    /// The rendering split into segments; assistant content plus its end marker are `trainable`.
    public func renderSegments(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> [ChatSegment] {
        var out: [ChatSegment] = []
        func add(_ text: String, _ trainable: Bool = false) {
            if text.isEmpty { return }
            if let last = out.last, last.trainable == trainable {
                out[out.count - 1].text += text
            } else {
                out.append(ChatSegment(text: text, trainable: trainable))
            }
        }
        switch self {
        case .zephyr:
            for message in messages where ["user", "system", "assistant"].contains(message.role) {
                add("<|\(message.role)|>\n")
                let isAssistant = message.role == "assistant"
                add(message.content + "</s>", isAssistant)
                add("\n")
            }
            if addGenerationPrompt && !messages.isEmpty { add(generationPrompt) }
        case .chatml(let defaultSystem):
            if let defaultSystem, let first = messages.first, first.role != "system" {
                add("<|im_start|>system\n\(defaultSystem)<|im_end|>\n")
            }
            for message in messages {
                add("<|im_start|>\(message.role)\n")
                add(message.content + "<|im_end|>", message.role == "assistant")
                add("\n")
            }
            if addGenerationPrompt { add(generationPrompt) }
        }
        return out
    }

    /// The literal text between `<|im_start|>system\n` and `<|im_end|>` in a template, when it is plain text
    /// (no Jinja expression, quote or concatenation), e.g. SmolLM2's "You are a helpful AI assistant named SmolLM…".
    static func literalDefaultSystemPrompt(_ source: String) -> String? {
        let opener = "<|im_start|>system"
        var rest = source[...]
        while let r = rest.range(of: opener) {
            var after = rest[r.upperBound...]
            if after.hasPrefix("\n") { after = after.dropFirst() } else if after.hasPrefix("\\n") { after = after.dropFirst(2) } else {
                rest = after
                continue
            }
            if let end = after.range(of: "<|im_end|>") {
                let text = after[..<end.lowerBound]
                let forbidden = ["{", "}", "'", "\"", "+"]
                if !text.isEmpty && !forbidden.contains(where: { text.contains($0) }) {
                    return text.replacingOccurrences(of: "\\n", with: "\n")
                }
            }
            rest = after
        }
        return nil
    }
}
