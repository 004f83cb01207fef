import Dispatch
import EdgeModel
import EdgeTensor

/// Generates many independent requests at once (evaluation, offline batches): up to `slots` streams decode in
/// lockstep, one token each per step through ``Llama/forwardBatch(_:states:scratch:)``, so every step reads the
/// weights once for all streams. A stream that finishes hands its slot to the next request, which is prefilled
/// on its own. Each result equals what ``Generator`` returns for the same request (greedy decoding gives the
/// same tokens up to float rounding: batched products sum in a different order than matrix-vector kernels).
public final class BatchGenerator {
    public let model: Llama
    public let tokenizer: any Tokenizer
    public let slots: Int
    public let contextLength: Int
    private let states: [LlamaRunState]
    private let scratch: LlamaRunState

    /// Where the wall time of `generate` went: prefilling new requests (one at a time), batched decode steps, and
    /// the per-stream work between steps (constraint, sampling, detokenizing).
    public struct Timing: Sendable {
        public var prefillSeconds = 0.0
        public var steps = 0
        public var stepSeconds = 0.0
        public var streamSeconds = 0.0
    }
    public private(set) var timing = Timing()

    /// - Parameters:
    ///   - slots: streams decoded together (≥ 1).
    ///   - contextLength: positions per stream (prompt + generated); each slot owns a KV cache this long.
    ///   - prefillChunk: tokens per prefill step of a new request.
    public init(model: Llama, tokenizer: any Tokenizer, slots: Int, contextLength: Int, prefillChunk: Int = 64) {
        precondition(slots >= 1, "BatchGenerator needs at least one slot")
        self.model = model
        self.tokenizer = tokenizer
        self.slots = slots
        self.contextLength = contextLength
        states = (0..<slots).map { _ in LlamaRunState(dims: model.dims, contextLength: contextLength, maxTokens: prefillChunk) }
        scratch = LlamaRunState(dims: model.dims, contextLength: contextLength, maxTokens: slots)
    }

    /// One active stream: which request, its decoding state, and the token to feed next.
    private struct Active {
        var index: Int
        var stream: DecodeStream
        var slot: Int
        var next: Int32
        var prefillSeconds: Double
        var decodeStart: UInt64
    }

    /// Runs requests `0..<count` to completion. `request(i)` gives request i and its constraint (called when a
    /// slot frees up, in order); `onResult(i, result)` is called as each one finishes (not in order).
    public func generate(count: Int, request: (Int) throws -> (GenerationRequest, (any TokenConstraint)?),
                         onResult: (Int, GenerationResult) throws -> Void) throws {
        var active: [Active] = []
        var free = Array((0..<slots).reversed())
        var nextIndex = 0
        let ignore: (String) -> Bool = { _ in true }
        func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
        func seconds(since t: UInt64) -> Double { Double(now() - t) / 1e9 }

        while true {
            // Fill free slots with new requests (prefill one at a time).
            while let slot = free.last, nextIndex < count {
                let index = nextIndex
                nextIndex += 1
                let (req, constraint) = try request(index)
                var stream = try DecodeStream(req, constraint: constraint, tokenizer: tokenizer, contextLength: contextLength)
                let state = states[slot]
                state.reset()
                let t0 = now()
                var logits = try model.forward(req.promptIds, state: state, logits: .last).scalars
                let prefill = seconds(since: t0)
                timing.prefillSeconds += prefill
                let t1 = now()
                defer { timing.streamSeconds += seconds(since: t1) }
                if let next = try stream.step(&logits, position: state.position, onText: ignore) {
                    free.removeLast()
                    active.append(Active(index: index, stream: stream, slot: slot, next: next, prefillSeconds: prefill, decodeStart: t1))
                } else {
                    try onResult(index, stream.finish(onText: ignore, prefillSeconds: prefill, decodeSeconds: 0))
                }
            }
            if active.isEmpty { return }

            let t0 = now()
            let logits = try model.forwardBatch(active.map(\.next), states: active.map { states[$0.slot] }, scratch: scratch)
            let t1 = now()
            timing.steps += 1
            timing.stepSeconds += seconds(since: t0)
            defer { timing.streamSeconds += seconds(since: t1) }
            var still: [Active] = []
            try logits.withUnsafeBufferPointer { all in
                let V = model.dims.V
                for (b, var a) in active.enumerated() {
                    var row = Array(all[b * V ..< (b + 1) * V])
                    if let next = try a.stream.step(&row, position: states[a.slot].position, onText: ignore) {
                        a.next = next
                        still.append(a)
                    } else {
                        free.append(a.slot)
                        try onResult(a.index, a.stream.finish(onText: ignore, prefillSeconds: a.prefillSeconds,
                                                              decodeSeconds: seconds(since: a.decodeStart)))
                    }
                }
            }
            active = still
        }
    }
}
