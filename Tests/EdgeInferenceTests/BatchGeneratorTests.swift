import EdgeInference
import EdgeModel
import EdgePlan
import EdgeTensor
import Testing

/// Batched decoding against one-at-a-time decoding on a real (random-weight, F32) model.
@Suite struct BatchGeneratorTests {
    static let model = Result { try LoadedModel.load("preset:tiny") }

    /// Prompts of different lengths, so the streams sit at different positions in every batched step.
    static func prompts(_ m: LoadedModel) throws -> [[Int32]] {
        try ["Text Sam that I am late", "Email Ana", "Remind me to buy milk tomorrow at 9am and share the list with Bo",
             "Open report.pdf", "What's on my calendar?"].map {
            try m.template.encodePrompt([.system("Plan."), .user($0)], tokenizer: m.tokenizer)
        }
    }

    /// Row b of `forwardBatch` equals the last-position logits of stream b run alone, for streams at different
    /// positions (sgemm over the batch against matrix-vector products: equal up to float summation order).
    @Test func forwardBatchEqualsSeparateForwards() throws {
        let m = try Self.model.get()
        let prompts = try Self.prompts(m)
        let states = prompts.map { _ in LlamaRunState(dims: m.model.dims, contextLength: 256, maxTokens: 32) }
        for (p, s) in zip(prompts, states) { _ = try m.model.forward(p, state: s) }
        let next: [Int32] = [5, 17, 200, 3, 99]
        let scratch = LlamaRunState(dims: m.model.dims, contextLength: 256, maxTokens: next.count)
        let batched = try m.model.forwardBatch(next, states: states, scratch: scratch)
        #expect(states.map(\.position) == prompts.map { $0.count + 1 })
        for (b, p) in prompts.enumerated() {
            let alone = LlamaRunState(dims: m.model.dims, contextLength: 256, maxTokens: 32)
            let ref = try m.model.forward(p + [next[b]], state: alone).scalars
            let V = m.model.dims.V
            let row = Array(batched.scalars[b * V ..< (b + 1) * V])
            let err = zip(row, ref).map { abs($0 - $1) }.max()!
            #expect(err < 1e-4, "stream \(b): max |Δlogit| \(err)")
        }
    }

    /// Greedy, constrained generation of several requests through 2 slots gives the same plans as the
    /// single-stream generator, and every request comes back exactly once.
    @Test func batchedPlansEqualSingleStreamPlans() throws {
        let m = try Self.model.get()
        let prompts = try Self.prompts(m)
        let factory = PlanConstraintFactory(tools: try ToolSet.tinyAgent, tokenizer: m.tokenizer, vocabularySize: m.config.vocabSize,
                                            stopTokenIds: m.stopTokenIds)
        func job(_ i: Int) -> (GenerationRequest, (any TokenConstraint)?) {
            let request = GenerationRequest(promptIds: prompts[i], maxNewTokens: 40 + 7 * i, stopTokenIds: m.stopTokenIds)
            var c = factory.make()
            c.setTokenBudget(request.maxNewTokens)
            return (request, c)
        }
        let single = Generator(model: m.model, tokenizer: m.tokenizer, contextLength: 256)
        let expected = try prompts.indices.map { i in
            let (r, c) = job(i)
            return try single.generate(r, constraint: c)
        }
        var got = [GenerationResult?](repeating: nil, count: prompts.count)
        let batch = BatchGenerator(model: m.model, tokenizer: m.tokenizer, slots: 2, contextLength: 256)
        try batch.generate(count: prompts.count, request: job) { i, r in
            #expect(got[i] == nil, "request \(i) finished twice")
            got[i] = r
        }
        for i in prompts.indices {
            let r = try #require(got[i])
            #expect(r.ids == expected[i].ids, "request \(i)")
            #expect(r.text == expected[i].text)
            #expect(r.finishReason == expected[i].finishReason)
            #expect(r.promptTokens == prompts[i].count)
        }
    }

    /// A stream whose cache is full is a clear error, not a write past the cache.
    @Test func fullCacheIsAnError() throws {
        let m = try Self.model.get()
        let state = LlamaRunState(dims: m.model.dims, contextLength: 4, maxTokens: 4)
        _ = try m.model.forward([1, 2, 3, 4], state: state)
        let scratch = LlamaRunState(dims: m.model.dims, contextLength: 4, maxTokens: 1)
        #expect(throws: InferenceError.self) { _ = try m.model.forwardBatch([5], states: [state], scratch: scratch) }
    }
}
