import EdgeAgent
import EdgeInference
import EdgeModel
import Foundation

/// The agent's ``LanguageModel`` over the server's ``ModelEngine``, bound to one request's run slot.
///
/// `/v1/plan` and `/v1/agent` take one slot for the whole request (the 429 decision is made once, up front);
/// every planner, joiner and sub-agent call of that request then runs on the slot's serial queue, so calls
/// made in parallel by the plan executor are serialised and never share a ``Generator`` unsafely.
struct EngineLanguageModel: LanguageModel {
    let engine: ModelEngine
    let lease: SlotLease
    let cancel: CancellationFlag
    let name: String

    var contextLength: Int? { engine.contextLength }

    func complete(_ messages: [ChatMessage], options: CompletionOptions) async throws -> Completion {
        let start = Date()
        let ids = try engine.encodeChat(messages)
        guard ids.count < engine.contextLength else {
            throw AgentError.contextOverflow(promptTokens: ids.count, limit: engine.contextLength)
        }
        let sampling = options.temperature > 0
            ? SamplingParameters(temperature: options.temperature, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0) : .greedy
        let job = GenerationJob(promptIds: ids, maxTokens: max(1, min(options.maxTokens, engine.contextLength - ids.count)),
                                sampling: sampling, stopSequences: options.stopSequences, constraint: options.constraint)
        let g = try await engine.generate(job, on: lease, cancel: cancel).generation
        let reason: Completion.FinishReason
        switch g.finishReason {
        case .stop: reason = .stop
        case .length: reason = .length
        case .constraint: reason = .constraint
        }
        return Completion(text: g.text, promptTokens: g.promptTokens, completionTokens: g.ids.count,
                          latency: Date().timeIntervalSince(start), finishReason: reason)
    }
}
