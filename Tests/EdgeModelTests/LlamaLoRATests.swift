import EdgeModel
import EdgeTensor
import Foundation
import Testing

/// LoRA adapters, BF16 weight storage and layer-wise gradients in the training pass.
@Suite struct LlamaLoRATests {
    static let dims = LlamaDims(C: 16, L: 2, NH: 4, NKV: 2, hd: 4, F: 24, V: 37, eps: 1e-5, ropeTheta: 10_000, maxPositions: 64)
    static let config = LoRAConfig(rank: 3, alpha: 6)

    func batch(B: Int, T: Int, seed: UInt64) -> ([Int32], [Int32]) {
        var rng = SplitMix64(seed: seed)
        let tokens = (0..<(B * T)).map { _ in Int32(rng.nextInt(below: Self.dims.V)) }
        var targets = [Int32](repeating: -1, count: B * T)
        for b in 0..<B { for t in 1..<(T - 1) { targets[b * T + t] = tokens[b * T + t + 1] } }
        return (tokens, targets)
    }

    /// Adapters with B ≠ 0 (as after some training), so every adapter path contributes.
    func trainedAdapters(seed: UInt64) -> LoRAAdapters {
        var lora = LoRAAdapters.initialized(Self.dims, config: Self.config, seed: seed)
        var rng = SplitMix64(seed: seed + 100)
        lora.forEachMutable { name, t in
            if name.hasSuffix("lora_B.weight") { t = Tensor.normal(t.shape, std: 0.3, rng: &rng) }
        }
        return lora
    }

    @Test func initializationFollowsPEFT() {
        let lora = LoRAAdapters.initialized(Self.dims, config: Self.config, seed: 1)
        var names: [String] = []
        lora.forEach { name, t in
            names.append(name)
            if name.hasSuffix("lora_B.weight") {
                #expect(t.scalars.allSatisfy { $0 == 0 }, "\(name) must start at zero")
            } else {
                let bound = 1 / Float(t.shape[1]).squareRoot()
                #expect(t.scalars.allSatisfy { abs($0) <= bound })
                #expect(t.scalars.contains { abs($0) > bound / 2 }, "\(name) looks unscaled")
            }
        }
        #expect(names.count == 2 * 7 * Self.dims.L)
        #expect(names.first == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
        #expect(names.contains("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"))
        #expect(Self.config.scaling == 2)
    }

    /// B = 0 at initialisation: the adapted model's logits are the base model's, bit for bit.
    @Test func zeroInitAdaptersReproduceBaseLogitsExactly() {
        let p = LlamaParameters.random(Self.dims, tied: false, seed: 2, std: 0.3)
        let (tokens, _) = batch(B: 2, T: 9, seed: 3)
        let state = LlamaTrainState(dims: Self.dims, B: 2, T: 9, loraRank: 3)
        let base = LlamaTraining.logits(p, tokens: tokens, state: state)
        let adapted = LlamaTraining.logits(LlamaWithLoRA(base: p, adapters: .initialized(Self.dims, config: Self.config, seed: 4)),
                                           tokens: tokens, state: state)
        #expect(base == adapted)
        #expect(base.scalars.contains { $0 != 0 })
    }

    /// Merged weights W + (α/r)·B·A give the unmerged forward's logits (F32 rounding only: ≤ 1e-5).
    @Test func mergedEqualsUnmerged() {
        let p = LlamaParameters.random(Self.dims, tied: true, seed: 5, std: 0.3)
        let lora = trainedAdapters(seed: 6)
        let (tokens, _) = batch(B: 1, T: 11, seed: 7)
        let state = LlamaTrainState(dims: Self.dims, B: 1, T: 11, loraRank: 3)
        let unmerged = LlamaTraining.logits(LlamaWithLoRA(base: p, adapters: lora), tokens: tokens, state: state)
        let merged = LlamaTraining.logits(lora.merged(into: p), tokens: tokens, state: state)
        let base = LlamaTraining.logits(p, tokens: tokens, state: state)
        let diff = zip(unmerged.scalars, merged.scalars).map { abs($0 - $1) }.max() ?? 1
        let effect = zip(unmerged.scalars, base.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(diff <= 1e-5, "max |Δlogit| \(diff)")
        #expect(effect > 1e-2, "the adapters should change the logits (max effect \(effect))")
    }

    /// dL/dA and dL/dB against central finite differences (same tolerance reasoning as
    /// LlamaTrainingTests.gradientsMatchFiniteDifferences), with the base frozen (no base gradient written).
    @Test(arguments: [false, true])
    func loraGradientsMatchFiniteDifferences(recompute: Bool) {
        let p = LlamaParameters.random(Self.dims, tied: false, seed: 8, std: 0.3)
        let lora = trainedAdapters(seed: 9)
        let (tokens, targets) = batch(B: 2, T: 7, seed: 10)
        let state = LlamaTrainState(dims: Self.dims, B: 2, T: 7, recompute: recompute, loraRank: 3)
        var frozen = LlamaParameters.empty
        var grads: LoRAAdapters? = LoRAAdapters(zeros: Self.dims, config: Self.config)
        LlamaTraining.lossAndGradients(model: LlamaWithLoRA(base: p, adapters: lora), tokens: tokens, targets: targets,
                                       grads: &frozen, loraGrads: &grads, trainBase: false, state: state)
        #expect(frozen == .empty)
        var analytic: [String: Tensor] = [:]
        grads?.forEach { analytic[$0] = $1 }
        var rng = SplitMix64(seed: 11)
        for name in analytic.keys.sorted() {
            let count = analytic[name]!.count
            for _ in 0..<2 {
                let i = rng.nextInt(below: count)
                func lossAt(_ delta: Float) -> Double {
                    var q = lora
                    q.forEachMutable { n, t in if n == name { t[flat: i] += delta } }
                    return LlamaTraining.loss(LlamaWithLoRA(base: p, adapters: q), tokens: tokens, targets: targets, state: state).loss
                }
                let h: Float = 1e-2
                let numeric = (lossAt(h) - lossAt(-h)) / Double(2 * h)
                let a = Double(analytic[name]![flat: i])
                #expect(abs(a - numeric) < 2e-3 + 0.02 * abs(numeric), "\(name)[\(i)]: analytic \(a) numeric \(numeric)")
            }
        }
    }

    /// At initialisation (B = 0) dL/dA = 0 exactly and dL/dB ≠ 0 (reference §6).
    @Test func initialGradientOfAIsZero() {
        let p = LlamaParameters.random(Self.dims, tied: true, seed: 12, std: 0.3)
        let (tokens, targets) = batch(B: 1, T: 8, seed: 13)
        var frozen = LlamaParameters.empty
        var grads: LoRAAdapters? = LoRAAdapters(zeros: Self.dims, config: Self.config)
        LlamaTraining.lossAndGradients(model: LlamaWithLoRA(base: p, adapters: .initialized(Self.dims, config: Self.config, seed: 14)),
                                       tokens: tokens, targets: targets, grads: &frozen, loraGrads: &grads, trainBase: false,
                                       state: LlamaTrainState(dims: Self.dims, B: 1, T: 8, loraRank: 3))
        grads?.forEach { name, t in
            if name.hasSuffix("lora_A.weight") { #expect(t.scalars.allSatisfy { $0 == 0 }, "\(name)") }
            else { #expect(t.scalars.contains { $0 != 0 }, "\(name)") }
        }
    }

    /// BF16 storage: the pass over `LlamaParametersBF16` equals the F32 pass over the same (rounded) values.
    @Test func bf16StorageMatchesF32PassOnRoundedWeights() {
        var p = LlamaParameters.random(Self.dims, tied: false, seed: 15, std: 0.3)
        let bf16 = LlamaParametersBF16(consuming: &p)
        #expect(p == .empty)
        let rounded = bf16.decoded
        let (tokens, targets) = batch(B: 2, T: 6, seed: 16)
        var g1 = LlamaParameters(zeros: Self.dims, tied: false), g2 = g1
        var none: LoRAAdapters? = nil
        let l1 = LlamaTraining.lossAndGradients(model: bf16, tokens: tokens, targets: targets, grads: &g1, loraGrads: &none,
                                                trainBase: true, state: LlamaTrainState(dims: Self.dims, B: 2, T: 6))
        let l2 = LlamaTraining.lossAndGradients(rounded, tokens: tokens, targets: targets, grads: &g2,
                                                state: LlamaTrainState(dims: Self.dims, B: 2, T: 6))
        #expect(l1 == l2)
        #expect(g1 == g2)
        // The direct BF16 generator draws the same stream as LlamaParameters.random, then rounds.
        var q = LlamaParameters.random(Self.dims, tied: true, seed: 17)
        #expect(LlamaParametersBF16.random(Self.dims, tied: true, seed: 17) == LlamaParametersBF16(consuming: &q))
    }

    /// Layer-wise state: each layer's gradient, seen in the hook, equals the normal pass's; the caller's
    /// gradients hold no layer storage.
    @Test func layerWiseHookSeesTheSameLayerGradients() {
        let p = LlamaParameters.random(Self.dims, tied: true, seed: 18, std: 0.3)
        let (tokens, targets) = batch(B: 2, T: 7, seed: 19)
        var full = LlamaParameters(zeros: Self.dims, tied: true)
        LlamaTraining.lossAndGradients(p, tokens: tokens, targets: targets, grads: &full, state: LlamaTrainState(dims: Self.dims, B: 2, T: 7))
        var outer = LlamaParameters(zeros: Self.dims, tied: true, layers: false)
        var none: LoRAAdapters? = nil
        var seen: [Int: LlamaParameters.Layer] = [:]
        LlamaTraining.lossAndGradients(model: p, tokens: tokens, targets: targets, grads: &outer, loraGrads: &none, trainBase: true,
                                       state: LlamaTrainState(dims: Self.dims, B: 2, T: 7, recompute: true, layerWise: true)) { l, g, _ in
            seen[l] = g.layers[l]
        }
        for l in 0..<Self.dims.L { #expect(seen[l] == full.layers[l], "layer \(l)") }
        #expect(outer.layers.allSatisfy { $0 == .empty })
        #expect(outer.embed == full.embed && outer.finalNorm == full.finalNorm)
    }
}
