import EdgeModel
import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

/// Forward pass against Hugging Face transformers (Tests/Fixtures/gen_llama.py; README there).
@Suite struct LlamaParityTests {
    struct Greedy: Decodable { var prompt_ids: [Int32]; var greedy_ids: [Int32] }

    func greedy(_ name: String) throws -> Greedy {
        try JSONDecoder().decode(Greedy.self, from: Data(contentsOf: URL(fileURLWithPath: TestSupport.fixture("llama/greedy_\(name).json"))))
    }

    func logits(_ model: String, prompt: [Int32], maxTokens: Int = 256) throws -> Tensor {
        let llama = try LlamaCheckpoint.open(TestSupport.fixture("llama/" + model)).llama()
        let state = LlamaRunState(dims: llama.dims, contextLength: 64, maxTokens: maxTokens)
        return try llama.forward(prompt, state: state, logits: .all)
    }

    /// Greedy continuation through the KV cache (prefill, then one token at a time).
    func continuation(_ model: String, prompt: [Int32], count: Int) throws -> [Int32] {
        let llama = try LlamaCheckpoint.open(TestSupport.fixture("llama/" + model)).llama()
        let state = LlamaRunState(dims: llama.dims, contextLength: 64)
        var out: [Int32] = []
        var l = try llama.forward(prompt, state: state).scalars
        for _ in 0..<count {
            let next = Int32(l.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress!, $0.count) })
            out.append(next)
            l = try llama.forward([next], state: state).scalars
        }
        return out
    }

    /// F32 weights, eager attention in float32: max |Δlogit| ≤ 1e-4 (measured f32 vs f64 reference: 9e-6;
    /// BLAS summation order differs from PyTorch's).
    @Test(arguments: [("f32", "f32"), ("bf16", "bf16"), ("tied", "tied"), ("tiny_f32.gguf", "f32"),
                      ("tiny32", "tiny32_f32"), ("tiny32_f32.gguf", "tiny32_f32"), ("tiny_q8_0.gguf", "tiny_q8_0_dequant")])
    func prefillLogitsMatchTransformers(model: String, reference: String) throws {
        let g = try greedy(reference.replacingOccurrences(of: "_f32", with: model.hasPrefix("tiny32") ? "_f32" : "_f32"))
        let expected = try Npy.readTensor(TestSupport.fixture("llama/logits_\(reference).npy"))
        for chunk in [256, 5] {   // one prefill call, and chunked prefill through the cache
            let got = try logits(model, prompt: g.prompt_ids, maxTokens: chunk)
            let diff = got.maxAbsDiff(expected)
            #expect(diff <= 1e-4, "\(model) chunk \(chunk): max |Δ| = \(diff), nmse \(TestSupport.nmse(got, expected))")
        }
    }

    /// Quantized GGUFs, prefill path (dequantized tiles + sgemm) against transformers on the dequantized weights.
    @Test(arguments: ["q8_0", "q4_0", "q4_1", "q4_1_q8emb"])
    func quantizedPrefillMatchesDequantizedReference(quant: String) throws {
        let g = try greedy("tiny32_\(quant)_dequant")
        let expected = try Npy.readTensor(TestSupport.fixture("llama/logits_tiny32_\(quant)_dequant.npy"))
        let got = try logits("tiny32_\(quant).gguf", prompt: g.prompt_ids)
        #expect(got.maxAbsDiff(expected) <= 1e-4)
    }

    /// Quantized decode path (int8 activations per 32-block, as llama.cpp) against the `_actq8` reference:
    /// one token at a time from an empty cache. A rounding tie can flip one int8 code, so ≤ 1e-2 and equal top-1.
    @Test(arguments: ["q8_0", "q4_0", "q4_1", "q4_1_q8emb"])
    func quantizedDecodeMatchesActivationQuantizedReference(quant: String) throws {
        let g = try greedy("tiny32_\(quant)_actq8")
        let expected = try Npy.readTensor(TestSupport.fixture("llama/logits_tiny32_\(quant)_actq8.npy"))
        let got = try logits("tiny32_\(quant).gguf", prompt: g.prompt_ids, maxTokens: 1)
        #expect(got.maxAbsDiff(expected) <= 1e-2)
        let V = expected.shape[1]
        for t in 0..<expected.shape[0] {
            let a = got.scalars.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress! + t * V, V) }
            let b = expected.scalars.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress! + t * V, V) }
            #expect(a == b, "position \(t)")
        }
    }

    /// 20 greedy tokens identical to transformers' generate (float64 reference; f32 agrees, min margin 0.003).
    @Test(arguments: [("f32", "f32"), ("bf16", "bf16"), ("tied", "tied"), ("tiny_f32.gguf", "f32"), ("tiny32_f32.gguf", "tiny32_f32"),
                      ("tiny32_q8_0.gguf", "tiny32_q8_0_hybrid"), ("tiny32_q4_0.gguf", "tiny32_q4_0_hybrid"),
                      ("tiny32_q4_1.gguf", "tiny32_q4_1_hybrid"), ("tiny32_q4_1_q8emb.gguf", "tiny32_q4_1_q8emb_hybrid")])
    func greedyContinuationMatches(model: String, reference: String) throws {
        let g = try greedy(reference)
        #expect(try continuation(model, prompt: g.prompt_ids, count: g.greedy_ids.count) == g.greedy_ids)
    }
}
