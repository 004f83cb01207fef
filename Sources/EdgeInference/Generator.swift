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
        var stream = try DecodeStream(request, constraint: constraint, tokenizer: tokenizer, contextLength: state.contextLength)
        state.reset()
        let t0 = DispatchTime.now().uptimeNanoseconds
        var logits = try model.forward(request.promptIds, state: state, logits: .last).scalars
        let t1 = DispatchTime.now().uptimeNanoseconds
        while let next = try stream.step(&logits, position: state.position, onText: onText) {
            logits = try model.forward([next], state: state, logits: .last).scalars
        }
        return stream.finish(onText: onText, prefillSeconds: Double(t1 - t0) / 1e9,
                             decodeSeconds: Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9)
    }
}

/// The choosing side of one generation: sampler, constraint, stop tokens and sequences, streamed text.
/// ``Generator`` drives one; ``BatchGenerator`` drives several in lockstep.
struct DecodeStream {
    let request: GenerationRequest
    let contextLength: Int
    private var constraint: (any TokenConstraint)?
    private var sampler: Sampler
    private var detok: StreamingDetokenizer
    private var history: [Int32]
    private(set) var ids: [Int32] = []
    private var text = "", emitted = 0
    private var reason = GenerationResult.FinishReason.length
    private let holdBack: Int

    init(_ request: GenerationRequest, constraint: (any TokenConstraint)?, tokenizer: any Tokenizer, contextLength: Int) throws {
        guard request.promptIds.count < contextLength else {
            throw InferenceError.contextOverflow(needed: request.promptIds.count + 1, limit: contextLength)
        }
        self.request = request
        self.contextLength = contextLength
        self.constraint = constraint
        sampler = Sampler(request.sampling)
        detok = StreamingDetokenizer(tokenizer: tokenizer)
        history = request.promptIds
        holdBack = request.stopSequences.map { $0.count }.max() ?? 0
    }

    /// Chooses the next token from the logits of the last position (`position` = tokens in the cache). Returns
    /// the token to feed to the model next, or nil when the generation has ended.
    mutating func step(_ logits: inout [Float], position: Int, onText: (String) -> Bool) throws -> Int32? {
        guard ids.count < request.maxNewTokens && position < contextLength else { return nil }
        let allowed: ((Int) -> Bool)? = constraint.map { c in { c.allows(Int32($0)) } }
        guard let next = sampler.sample(&logits, history: history, allowed: allowed) else {
            reason = .constraint
            return nil
        }
        if request.stopTokenIds.contains(next) { reason = .stop; return nil }
        constraint?.accept(next)
        ids.append(next)
        history.append(next)
        text += try detok.append(next)
        if let cut = Self.firstStop(in: text, stops: request.stopSequences, from: max(0, emitted - holdBack)) {
            text = String(text[..<cut])
            reason = .stop
            return nil
        }
        // Emit what can no longer become part of a stop sequence.
        let safe = max(emitted, text.count - holdBack)
        if safe > emitted {
            let start = text.index(text.startIndex, offsetBy: emitted), end = text.index(text.startIndex, offsetBy: safe)
            if !onText(String(text[start..<end])) { reason = .stop; emitted = safe; return nil }
            emitted = safe
        }
        if constraint?.isComplete == true { reason = .constraint; return nil }
        return ids.count < request.maxNewTokens && position < contextLength ? next : nil
    }

    /// Flushes the text held back and builds the result.
    mutating func finish(onText: (String) -> Bool, prefillSeconds: Double, decodeSeconds: Double) -> GenerationResult {
        if reason != .stop { text += detok.finish() }
        if text.count > emitted { _ = onText(String(text.dropFirst(emitted))) }
        emitted = text.count
        return GenerationResult(ids: ids, text: text, promptTokens: request.promptIds.count, finishReason: reason,
                                prefillTokensPerSecond: Double(request.promptIds.count) / max(prefillSeconds, 1e-9),
                                decodeTokensPerSecond: ids.count > 1 ? Double(ids.count - 1) / max(decodeSeconds, 1e-9) : 0)
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
