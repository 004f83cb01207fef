import EdgeModel
import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

/// Self-consistency of the training pass (the PyTorch gradient fixture is in LlamaGradientParityTests).
@Suite struct LlamaTrainingTests {
    static let dims = LlamaDims(C: 16, L: 2, NH: 4, NKV: 2, hd: 4, F: 24, V: 37, eps: 1e-5, ropeTheta: 10_000, maxPositions: 64)

    func batch(B: Int, T: Int, seed: UInt64) -> ([Int32], [Int32]) {
        var rng = SplitMix64(seed: seed)
        let tokens = (0..<(B * T)).map { _ in Int32(rng.nextInt(below: Self.dims.V)) }
        var targets = [Int32](repeating: -1, count: B * T)
        for b in 0..<B { for t in 2..<(T - 1) { targets[b * T + t] = tokens[b * T + t + 1] } }
        return (tokens, targets)
    }

    @Test(arguments: [true, false])
    func recomputeGivesIdenticalGradients(tied: Bool) {
        let p = LlamaParameters.random(Self.dims, tied: tied, seed: 1, std: 0.3)
        let (tokens, targets) = batch(B: 2, T: 9, seed: 2)
        var g1 = LlamaParameters(zeros: Self.dims, tied: tied), g2 = g1
        let l1 = LlamaTraining.lossAndGradients(p, tokens: tokens, targets: targets, grads: &g1,
                                                state: LlamaTrainState(dims: Self.dims, B: 2, T: 9))
        let l2 = LlamaTraining.lossAndGradients(p, tokens: tokens, targets: targets, grads: &g2,
                                                state: LlamaTrainState(dims: Self.dims, B: 2, T: 9, recompute: true))
        #expect(l1 == l2)
        #expect(g1 == g2)
        #expect(l1.targetTokens == 2 * 6)
    }

    /// The training forward and the inference forward (KV cache, chunked prefill) compute the same logits:
    /// the loss from inference logits equals the training loss.
    @Test func trainingLossMatchesInferenceLogits() throws {
        let p = LlamaParameters.random(Self.dims, tied: false, seed: 3, std: 0.3)
        let (tokens, targets) = batch(B: 1, T: 12, seed: 4)
        let train = LlamaTraining.loss(p, tokens: tokens, targets: targets, state: LlamaTrainState(dims: Self.dims, B: 1, T: 12))
        let model = Llama(dims: Self.dims, weights: p.inferenceWeights())
        let state = LlamaRunState(dims: Self.dims, contextLength: 32, maxTokens: 5)   // 3 prefill chunks
        let logits = try model.forward(tokens, state: state, logits: .all)
        var total = 0.0, n = 0
        for t in 0..<12 where targets[t] >= 0 {
            let row = Array(logits.scalars[t * Self.dims.V ..< (t + 1) * Self.dims.V]).map(Double.init)
            let m = row.max()!
            total += -(row[Int(targets[t])] - m - log(row.map { exp($0 - m) }.reduce(0, +)))
            n += 1
        }
        #expect(abs(total / Double(n) - train.loss) < 1e-5)
    }

    /// Central finite differences of the Float32 loss on a few entries of every parameter tensor.
    /// Tolerance: h = 1e-2 on O(0.3) weights; Float32 loss rounding ≈ 1e-7·loss/h ≈ 3e-5 plus O(h²)
    /// curvature, so 2e-3 absolute + 2% relative separates right from wrong (a wrong sign or factor fails).
    @Test func gradientsMatchFiniteDifferences() {
        var p = LlamaParameters.random(Self.dims, tied: true, seed: 5, std: 0.3)
        let (tokens, targets) = batch(B: 2, T: 7, seed: 6)
        let state = LlamaTrainState(dims: Self.dims, B: 2, T: 7)
        var g = LlamaParameters(zeros: Self.dims, tied: true)
        LlamaTraining.lossAndGradients(p, tokens: tokens, targets: targets, grads: &g, state: state)
        var analytic: [String: Tensor] = [:]
        g.forEach { analytic[$0] = $1 }
        var rng = SplitMix64(seed: 7)
        var checked = 0
        let names = analytic.keys.sorted()
        for name in names {
            let count = analytic[name]!.count
            for _ in 0..<3 {
                let i = rng.nextInt(below: count)
                func lossAt(_ delta: Float) -> Double {
                    var q = p
                    q.forEachMutable { n, t in if n == name { t[flat: i] += delta } }
                    return LlamaTraining.loss(q, tokens: tokens, targets: targets, state: state).loss
                }
                let h: Float = 1e-2
                let numeric = (lossAt(h) - lossAt(-h)) / Double(2 * h)
                let a = Double(analytic[name]![flat: i])
                #expect(abs(a - numeric) < 2e-3 + 0.02 * abs(numeric), "\(name)[\(i)]: analytic \(a) numeric \(numeric)")
                checked += 1
            }
        }
        #expect(checked == names.count * 3)
        _ = p.parameterCount
        p.zero()
        #expect(p.parameterCount > 0)
    }

    /// Two micro-batches with a shared normalizer accumulate to the gradient of the full batch.
    @Test func gradientAccumulationEqualsFullBatch() {
        let p = LlamaParameters.random(Self.dims, tied: false, seed: 8, std: 0.3)
        let (tokens, targets) = batch(B: 2, T: 8, seed: 9)
        var full = LlamaParameters(zeros: Self.dims, tied: false), acc = full
        let lf = LlamaTraining.lossAndGradients(p, tokens: tokens, targets: targets, grads: &full,
                                                state: LlamaTrainState(dims: Self.dims, B: 2, T: 8))
        let half = LlamaTrainState(dims: Self.dims, B: 1, T: 8)
        let l1 = LlamaTraining.lossAndGradients(p, tokens: Array(tokens[0..<8]), targets: Array(targets[0..<8]), grads: &acc,
                                                state: half, targetNormalizer: lf.targetTokens)
        let l2 = LlamaTraining.lossAndGradients(p, tokens: Array(tokens[8...]), targets: Array(targets[8...]), grads: &acc,
                                                state: half, targetNormalizer: lf.targetTokens)
        #expect(abs(l1.loss + l2.loss - lf.loss) < 1e-6)
        var worst = 0.0
        var fullTensors: [Tensor] = []
        full.forEach { fullTensors.append($1) }
        var i = 0
        acc.forEach { _, t in worst = max(worst, t.maxAbsDiff(fullTensors[i])); i += 1 }
        #expect(worst < 1e-6)
    }
}
