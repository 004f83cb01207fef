import EdgeInference
import EdgeModel
import Foundation

// The seam between the agent and a model (STYLE §6: real vs scripted).
//
//   LanguageModel            complete(messages, options) → Completion; stream(…) → text chunks then .done
//   CompletionOptions        max tokens, temperature, stop sequences, optional TokenConstraint factory
//   Completion               text, prompt/completion token counts, latency, finish reason
//   ScriptedLanguageModel    deterministic canned outputs (ScriptedLanguageModel.swift)
//
// A real adapter over `EdgeInference.Generator` renders the messages with the model's chat template,
// maps `options` onto `GenerationRequest` (maxNewTokens, SamplingParameters, stopSequences), passes
// `options.constraint?()` to `generate(_:constraint:)`, and fills `Completion` from `GenerationResult`.
// `Generator` is not thread-safe, so such an adapter is an actor (or serialises calls itself).

/// Generation settings for one model call.
public struct CompletionOptions: Sendable {
    /// Default cap on generated tokens.
    public static let defaultMaxTokens = 512

    /// Upper bound on generated tokens.
    public var maxTokens: Int
    /// Sampling temperature; 0 means greedy (the planner and joiner use 0, as TinyAgent does).
    public var temperature: Float
    /// Generation stops before the first of these texts, which is not part of the output.
    public var stopSequences: [String]
    /// Makes a fresh constraint for this call (e.g. schema-constrained plan decoding); nil = unconstrained.
    /// A factory, because a `TokenConstraint` is mutable per-generation state.
    public var constraint: (@Sendable () -> any TokenConstraint)?

    public init(maxTokens: Int = Self.defaultMaxTokens, temperature: Float = 0, stopSequences: [String] = [],
                constraint: (@Sendable () -> any TokenConstraint)? = nil) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stopSequences = stopSequences
        self.constraint = constraint
    }
}

/// The result of one model call.
public struct Completion: Sendable, Equatable {
    /// Why generation ended.
    public enum FinishReason: String, Sendable, Equatable, Codable {
        /// A stop sequence or end-of-turn token.
        case stop
        /// `maxTokens` was reached.
        case length
        /// The token constraint reported completion.
        case constraint
    }

    /// Generated text, without the stop sequence.
    public var text: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// Wall time of the call in seconds.
    public var latency: Double
    public var finishReason: FinishReason

    public init(text: String, promptTokens: Int, completionTokens: Int, latency: Double,
                finishReason: FinishReason = .stop) {
        self.text = text
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latency = latency
        self.finishReason = finishReason
    }
}

/// One event of a streamed completion: text pieces as they are generated, then the whole completion.
public enum CompletionEvent: Sendable, Equatable {
    case text(String)
    case done(Completion)
}

/// A chat language model. Implementations: ``ScriptedLanguageModel`` (tests, demos) and the real
/// adapter over `Generator` (EdgeInference). Pass it explicitly (``ModuleContext``); there is no global model.
public protocol LanguageModel: Sendable {
    /// A short name for traces and logs.
    var name: String { get }
    /// Tokens the model can attend to (prompt + output), or nil when unknown.
    var contextLength: Int? { get }

    /// Generates the assistant's reply to `messages`.
    func complete(_ messages: [ChatMessage], options: CompletionOptions) async throws -> Completion

    /// Streams the reply: any number of `.text` pieces whose concatenation is the final text, then
    /// exactly one `.done`. The default implementation calls ``complete(_:options:)`` and yields one piece.
    func stream(_ messages: [ChatMessage], options: CompletionOptions) -> AsyncThrowingStream<CompletionEvent, Error>
}

extension LanguageModel {
    public var contextLength: Int? { nil }

    public func stream(_ messages: [ChatMessage], options: CompletionOptions) -> AsyncThrowingStream<CompletionEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let completion = try await self.complete(messages, options: options)
                    if !completion.text.isEmpty { continuation.yield(.text(completion.text)) }
                    continuation.yield(.done(completion))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A one-message completion: `prompt` as a single user message.
    public func complete(prompt: String, options: CompletionOptions = CompletionOptions()) async throws -> Completion {
        try await complete([.user(prompt)], options: options)
    }
}

/// Text helpers shared by model implementations.
public enum CompletionText {
    /// `text` cut before the earliest stop sequence, and whether one was found.
    public static func applyingStops(_ text: String, stops: [String]) -> (text: String, stopped: Bool) {
        var cut: String.Index?
        for stop in stops where !stop.isEmpty {
            if let r = text.range(of: stop), cut.map({ r.lowerBound < $0 }) ?? true { cut = r.lowerBound }
        }
        guard let cut else { return (text, false) }
        return (String(text[..<cut]), true)
    }

    /// A deterministic stand-in token count (whitespace-separated words; at least 1 for non-empty text),
    /// used where no tokenizer is at hand.
    public static func approximateTokens(_ text: String) -> Int {
        let words = text.split(whereSeparator: { $0.isWhitespace }).count
        return text.isEmpty ? 0 : max(words, 1)
    }

    /// The messages rendered as `role: content` blocks, for traces and prompt matching.
    public static func render(_ messages: [ChatMessage]) -> String {
        messages.map { "\($0.role): \($0.content)" }.joined(separator: "\n\n")
    }
}
