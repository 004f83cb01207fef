import Dispatch
import EdgeModel
import EdgeTensor

/// Limits the tokens a generation may choose (schema-constrained plan decoding implements this).
public protocol TokenConstraint {
    /// Whether `token` may come next.
    func allows(_ token: Int32) -> Bool
    /// Records that `token` was chosen.
    mutating func accept(_ token: Int32)
    /// True when the constrained text is complete (generation stops).
    var isComplete: Bool { get }
}

/// What to generate.
public struct GenerationRequest: Sendable {
    public static let defaultMaxNewTokens = 256

    public var promptIds: [Int32]
    public var maxNewTokens: Int
    public var sampling: SamplingParameters
    /// Generation ends before any of these texts (which are not part of the output).
    public var stopSequences: [String]
    /// Generation ends at any of these tokens (not part of the output), e.g. EOS or `<|im_end|>`.
    public var stopTokenIds: Set<Int32>

    public init(promptIds: [Int32], maxNewTokens: Int = Self.defaultMaxNewTokens, sampling: SamplingParameters = .greedy,
                stopSequences: [String] = [], stopTokenIds: Set<Int32> = []) {
        (self.promptIds, self.maxNewTokens, self.sampling) = (promptIds, maxNewTokens, sampling)
        (self.stopSequences, self.stopTokenIds) = (stopSequences, stopTokenIds)
    }
}

/// The outcome of a generation, with the speeds the CLI reports.
public struct GenerationResult: Sendable, Codable, Equatable {
    public enum FinishReason: String, Sendable, Codable { case stop, length, constraint }
    /// Generated ids (without the stop token).
    public var ids: [Int32]
    public var text: String
    public var promptTokens: Int
    public var finishReason: FinishReason
    public var prefillTokensPerSecond: Double
    public var decodeTokensPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case ids, text, promptTokens = "prompt_tokens", finishReason = "finish_reason"
        case prefillTokensPerSecond = "prefill_tokens_per_s", decodeTokensPerSecond = "decode_tokens_per_s"
    }
}

/// Runs prefill and the decode loop of one model over one `LlamaRunState` (not shared between threads).
public final class Generator {
    public let model: Llama
    public let tokenizer: any Tokenizer
    public let state: LlamaRunState

    public init(model: Llama, tokenizer: any Tokenizer, contextLength: Int, prefillChunk: Int = 256) {
        self.model = model
        self.tokenizer = tokenizer
        self.state = LlamaRunState(dims: model.dims, contextLength: contextLength, maxTokens: prefillChunk)
    }

    /// Generates from `request.promptIds` (starting a fresh context). `onText` receives text as soon as it
    /// is certain not to be part of a stop sequence; return false to stop early (e.g. a client went away).
    public func generate(_ request: GenerationRequest, constraint: (any TokenConstraint)? = nil,
                         onText: (String) -> Bool = { _ in true }) throws -> GenerationResult {
        guard request.promptIds.count < state.contextLength else {
            throw InferenceError.contextOverflow(needed: request.promptIds.count + 1, limit: state.contextLength)
        }
        var constraint = constraint
        var sampler = Sampler(request.sampling)
        var detok = StreamingDetokenizer(tokenizer: tokenizer)
        state.reset()
        let t0 = DispatchTime.now().uptimeNanoseconds
        var logits = try model.forward(request.promptIds, state: state, logits: .last).scalars
        let t1 = DispatchTime.now().uptimeNanoseconds
        var history = request.promptIds
        var ids: [Int32] = [], text = "", emitted = 0
        var reason = GenerationResult.FinishReason.length
        let holdBack = request.stopSequences.map { $0.count }.max() ?? 0
        loop: while ids.count < request.maxNewTokens && state.position < state.contextLength {
            let allowed: ((Int) -> Bool)? = constraint.map { c in { c.allows(Int32($0)) } }
            guard let next = sampler.sample(&logits, history: history, allowed: allowed) else {
                reason = .constraint
                break
            }
            if request.stopTokenIds.contains(next) { reason = .stop; break }
            constraint?.accept(next)
            ids.append(next)
            history.append(next)
            text += try detok.append(next)
            if let cut = Self.firstStop(in: text, stops: request.stopSequences, from: max(0, emitted - holdBack)) {
                text = String(text[..<cut])
                reason = .stop
                break loop
            }
            // Emit what can no longer become part of a stop sequence.
            let safe = max(emitted, text.count - holdBack)
            if safe > emitted {
                let start = text.index(text.startIndex, offsetBy: emitted), end = text.index(text.startIndex, offsetBy: safe)
                if !onText(String(text[start..<end])) { reason = .stop; emitted = safe; break }
                emitted = safe
            }
            if constraint?.isComplete == true { reason = .constraint; break }
            if ids.count < request.maxNewTokens && state.position < state.contextLength {
                logits = try model.forward([next], state: state, logits: .last).scalars
            }
        }
        if reason != .stop { text += detok.finish() }
        if text.count > emitted { _ = onText(String(text.dropFirst(emitted))) }
        let t2 = DispatchTime.now().uptimeNanoseconds
        let prefillS = Double(t1 - t0) / 1e9, decodeS = Double(t2 - t1) / 1e9
        return GenerationResult(ids: ids, text: text, promptTokens: request.promptIds.count, finishReason: reason,
                                prefillTokensPerSecond: Double(request.promptIds.count) / max(prefillS, 1e-9),
                                decodeTokensPerSecond: ids.count > 1 ? Double(ids.count - 1) / max(decodeS, 1e-9) : 0)
    }

    /// Index of the earliest stop sequence occurrence starting at or after character `from`.
    static func firstStop(in text: String, stops: [String], from: Int) -> String.Index? {
        guard !stops.isEmpty else { return nil }
        let start = text.index(text.startIndex, offsetBy: min(from, text.count))
        var best: String.Index?
        for s in stops where !s.isEmpty {
            if let r = text.range(of: s, range: start..<text.endIndex), best == nil || r.lowerBound < best! { best = r.lowerBound }
        }
        return best
    }
}
