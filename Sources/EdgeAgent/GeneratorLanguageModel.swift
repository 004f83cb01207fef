import Dispatch
import EdgeInference
import EdgeModel
import Foundation

/// The real ``LanguageModel``: a loaded model run by one `EdgeInference.Generator`.
///
/// - Prompts are the messages rendered with the model's chat template and tokenized exactly as fine-tuning
///   does (`ChatTemplate.encodePrompt`), ending with the assistant opener.
/// - ``CompletionOptions`` map onto `GenerationRequest`: `maxTokens`, `temperature` (0 = greedy, else
///   ``sampling`` at that temperature), `stopSequences`, and the model's stop ids (EOS, `<|im_end|>`).
/// - `options.constraint` makes a fresh `TokenConstraint` per call; a ``TokenBudgetConstraint`` (such as
///   `PlanConstraint`) is told how many tokens it may use, so a constrained plan is always finished.
/// - A prompt that leaves no room in the context throws ``AgentError/contextOverflow(promptTokens:limit:)``
///   with the real token count.
/// - Calls are serialized on one dispatch queue (a `Generator` owns one KV cache and is not thread-safe), so
///   the forward passes never block Swift's cooperative thread pool.
public final class GeneratorLanguageModel: LanguageModel, @unchecked Sendable {
    /// Default context (prompt + completion) when the caller gives none: enough for the full planner prompt.
    public static let defaultContextLength = 4096

    public let name: String
    public let loaded: LoadedModel
    /// Tokens the KV cache holds (prompt + completion).
    public let contextLength: Int?
    /// Sampling when a call asks for temperature > 0 (top-k, top-p, penalty, seed; the temperature is the call's).
    public let sampling: SamplingParameters
    // Touched only on `queue`.
    private let generator: Generator
    private let queue = DispatchQueue(label: "edgeagent.generator")
    private let context: Int

    /// - Parameters:
    ///   - contextLength: KV-cache length, capped by the model's `maxPositionEmbeddings`.
    ///   - sampling: used for calls with `temperature > 0`.
    public init(_ loaded: LoadedModel, name: String = "model", contextLength: Int = GeneratorLanguageModel.defaultContextLength,
                sampling: SamplingParameters = SamplingParameters()) {
        let context = max(2, min(contextLength, loaded.config.maxPositionEmbeddings))
        self.loaded = loaded
        self.name = name
        self.context = context
        self.contextLength = context
        self.sampling = sampling
        self.generator = Generator(model: loaded.model, tokenizer: loaded.tokenizer, contextLength: context)
    }

    /// Prompt ids of `messages`, as fine-tuning tokenizes them.
    public func promptTokens(_ messages: [ChatMessage]) throws -> [Int32] {
        try loaded.template.encodePrompt(messages, tokenizer: loaded.tokenizer)
    }

    public func complete(_ messages: [ChatMessage], options: CompletionOptions) async throws -> Completion {
        try await run(messages, options: options, onText: nil)
    }

    /// Streams text as the generator emits it (text that might still become a stop sequence is held back).
    public func stream(_ messages: [ChatMessage], options: CompletionOptions) -> AsyncThrowingStream<CompletionEvent, Error> {
        AsyncThrowingStream { continuation in
            let cancelled = CancelFlag()
            continuation.onTermination = { _ in cancelled.set() }
            Task {
                do {
                    let completion = try await self.run(messages, options: options) { piece in
                        if !piece.isEmpty { continuation.yield(.text(piece)) }
                        return !cancelled.isSet
                    }
                    continuation.yield(.done(completion))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }

    /// The generation request and constraint for `messages` (tokenized as fine-tuning does), checked against
    /// the context: the same for one call here and for a batch (`EdgeInference.BatchGenerator`).
    public func generationRequest(_ messages: [ChatMessage], options: CompletionOptions) throws
        -> (request: GenerationRequest, constraint: (any TokenConstraint)?) {
        let prompt: [Int32]
        do {
            prompt = try promptTokens(messages)
        } catch {
            throw AgentError.model("cannot tokenize the prompt: \(error)")
        }
        guard !prompt.isEmpty else { throw AgentError.model("the prompt is empty after tokenization") }
        // The first new token needs one free position after the prompt.
        guard prompt.count < context else { throw AgentError.contextOverflow(promptTokens: prompt.count, limit: context) }
        let room = context - prompt.count
        let maxNew = max(0, min(options.maxTokens, room))
        var sampling = SamplingParameters.greedy
        if options.temperature > 0 {
            sampling = self.sampling
            sampling.temperature = options.temperature
        }
        let request = GenerationRequest(promptIds: prompt, maxNewTokens: maxNew, sampling: sampling,
                                        stopSequences: options.stopSequences, stopTokenIds: loaded.stopTokenIds)
        var constraint = options.constraint?()
        if var budgeted = constraint as? any TokenBudgetConstraint {
            budgeted.setTokenBudget(maxNew)
            constraint = budgeted
        }
        return (request, constraint)
    }

    /// Tokenizes, checks the context, and generates on the queue.
    private func run(_ messages: [ChatMessage], options: CompletionOptions,
                     onText: (@Sendable (String) -> Bool)?) async throws -> Completion {
        let (request, constraint) = try generationRequest(messages, options: options)
        let box = ConstraintBox(constraint)
        let start = DispatchTime.now().uptimeNanoseconds
        let result: GenerationResult = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    let r = try self.generator.generate(request, constraint: box.value) { onText?($0) ?? true }
                    continuation.resume(returning: r)
                } catch let error as InferenceError {
                    if case .contextOverflow(let needed, let limit) = error {
                        continuation.resume(throwing: AgentError.contextOverflow(promptTokens: needed, limit: limit))
                    } else {
                        continuation.resume(throwing: AgentError.model(error.description))
                    }
                } catch {
                    continuation.resume(throwing: AgentError.model("\(error)"))
                }
            }
        }
        let latency = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Self.completion(result, latency: latency)
    }

    /// A generator result as a ``Completion``.
    public static func completion(_ result: GenerationResult, latency: Double) -> Completion {
        let reason: Completion.FinishReason = switch result.finishReason {
        case .stop: .stop
        case .length: .length
        case .constraint: .constraint
        }
        return Completion(text: result.text, promptTokens: result.promptTokens, completionTokens: result.ids.count,
                          latency: latency, finishReason: reason)
    }
}

/// Hands a constraint (mutable, not necessarily Sendable) to the generator queue; used by one call only.
private final class ConstraintBox: @unchecked Sendable {
    let value: (any TokenConstraint)?
    init(_ value: (any TokenConstraint)?) { self.value = value }
}

/// A flag set when a stream's consumer goes away (checked between tokens).
private final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
