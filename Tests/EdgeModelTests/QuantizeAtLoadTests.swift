import EdgeTensor
import Foundation
import Testing
@testable import EdgeModel

/// `--quantize`: a Float32 model re-stored in a block format decodes like the original, and shapes that the
/// format cannot hold are a clear error.
@Suite struct QuantizeAtLoadTests {
    static let dims = LlamaDims(C: 64, L: 2, NH: 4, NKV: 2, hd: 16, F: 96, V: 128, eps: 1e-5, ropeTheta: 10_000, maxPositions: 64)

    @Test func matrixQuantizationEqualsTheRowQuantizer() {
        var rng = SplitMix64(seed: 3)
        let values = (0..<(4 * 64)).map { _ in Float(rng.nextDouble() * 2 - 1) }
        let w = WeightMatrix(rows: 4, cols: 64, f32: values)
        for f in [BlockFormat.q8_0, .q4_0, .q4_1] {
            let q = w.quantized(to: f)
            guard case .quantized(let got, let bytes) = q.storage else { Issue.record("\(f): not quantized"); continue }
            #expect(got == f)
            #expect(bytes == f.quantize(values))
            #expect(q.quantized(to: f).byteCount == q.byteCount)   // already in the format: unchanged
        }
    }

    @Test func quantizedModelKeepsTheGreedyTokens() throws {
        let p = LlamaParameters.random(Self.dims, tied: true, seed: 7)
        let f32 = Llama(dims: Self.dims, weights: p.inferenceWeights())
        let q8 = Llama(dims: Self.dims, weights: try f32.weights.quantized(to: .q8_0))
        #expect(q8.weights.byteCount < f32.weights.byteCount / 3)
        let tokens: [Int32] = [1, 17, 42, 99, 3, 64, 127, 5]
        let a = try f32.forward(tokens, state: LlamaRunState(dims: Self.dims, contextLength: 64), logits: .all)
        let b = try q8.forward(tokens, state: LlamaRunState(dims: Self.dims, contextLength: 64), logits: .all)
        let V = Self.dims.V
        for t in 0..<tokens.count {
            let ra = Array(a.scalars[t * V ..< (t + 1) * V]), rb = Array(b.scalars[t * V ..< (t + 1) * V])
            let scale = ra.map(abs).max() ?? 1
            let diff = zip(ra, rb).map { abs($0 - $1) }.max() ?? 0
            #expect(diff <= 0.05 * scale, "position \(t): max |Δlogit| \(diff) vs max |logit| \(scale)")
        }
    }

    /// `--quantize f32`: a quantized model expanded to Float32 holds exactly the blocks' values, in F32 storage.
    @Test func dequantizedModelHoldsTheBlocksValues() throws {
        let p = LlamaParameters.random(Self.dims, tied: false, seed: 9)
        let q4 = try p.inferenceWeights().quantized(to: .q4_1)
        let f32 = q4.dequantized()
        let pairs = [(q4.embed, f32.embed), (q4.outputHead, f32.outputHead)]
            + zip(q4.layers, f32.layers).flatMap { a, b in [(a.wq, b.wq), (a.wk, b.wk), (a.wv, b.wv), (a.wo, b.wo),
                                                          (a.wGate, b.wGate), (a.wUp, b.wUp), (a.wDown, b.wDown)] }
        for (a, b) in pairs {
            guard case .f32 = b.storage else { Issue.record("not F32 after dequantized()"); continue }
            #expect(a.dequantized().scalars == b.dequantized().scalars)
        }
        #expect(f32.byteCount > 4 * q4.byteCount)
    }

    @Test func unquantizableShapeIsAClearError() throws {
        let d = LlamaDims(C: 64, L: 1, NH: 4, NKV: 2, hd: 16, F: 88, V: 128, eps: 1e-5, ropeTheta: 10_000, maxPositions: 64)
        let w = LlamaParameters.random(d, tied: true, seed: 1).inferenceWeights()
        #expect(throws: InferenceError.notQuantizable(format: "Q8_0", tensor: "model.layers.0.mlp.down_proj", cols: 88)) {
            _ = try w.quantized(to: .q8_0)
        }
    }
}
