import EdgeOptim
import EdgeTensor
import Foundation
import Testing

/// State dictionaries, exact byte accounting, and the factory, for every optimizer configuration.
@Suite struct OptimizerStateTests {
    /// A small model: two projected weights (one big enough for 8-bit low-rank moments at rank 40), an
    /// embedding (plain; Float32 moments even with 8-bit states), a head (plain, 8-bit eligible) and a norm
    /// (plain, small).
    static let shapes: [(name: String, shape: [Int])] = [
        ("model.embed_tokens.weight", [80, 64]),
        ("lm_head.weight", [80, 64]),
        ("model.layers.0.self_attn.q_proj.weight", [128, 64]),
        ("model.layers.0.mlp.down_proj.weight", [48, 96]),
        ("model.norm.weight", [64]),
    ]

    static let configs: [(String, [String: String])] = [
        ("adamw", [:]), ("adamw", ["--state-bits": "8", "--weight-decay": "0.01"]),
        ("galore", ["--rank": "40", "--update-gap": "3"]),
        ("galore", ["--rank": "40", "--update-gap": "3", "--state-bits": "8"]),
        ("galore", ["--rank": "6", "--update-gap": "3", "--proj-type": "full"]),
        ("natural-galore", ["--rank": "40", "--update-gap": "3", "--history": "4", "--history-precision": "exact"]),
        ("natural-galore", ["--rank": "40", "--update-gap": "3", "--history": "4"]),
        ("natural-galore", ["--rank": "40", "--update-gap": "3", "--history": "4", "--history-precision": "int8", "--state-bits": "8"]),
        ("natural-galore", ["--rank": "6", "--update-gap": "3", "--history": "3", "--proj-type": "full", "--reset-history": "true"]),
        ("adarankgrad", ["--rank": "40", "--update-gap": "3"]),
        ("adarankgrad", ["--rank": "40", "--update-gap": "3", "--state-bits": "8"]),
    ]

    static func step(_ opt: any Optimizer, _ params: inout [Tensor], rng: inout SplitMix64) throws {
        for (i, p) in shapes.enumerated() {
            let g = Tensor.uniform(p.shape, scale: 0.1, rng: &rng)
            try opt.update(p.name, parameter: &params[i], gradient: g, lr: 1e-2)
        }
    }

    /// Save after 4 steps, load into a fresh optimizer, and continue 5 more steps (crossing refreshes):
    /// the weights are bit-identical to the uninterrupted run.
    @Test(arguments: configs.indices)
    func stateDictResumesBitIdentically(config: Int) throws {
        let (name, flags) = Self.configs[config]
        let options = try OptimizerOptions.parse(flags)
        let a = try OptimizerFactory.make(name: name, options: options)
        var rng = SplitMix64(seed: 21)
        var pa = Self.shapes.map { Tensor.uniform($0.shape, rng: &rng) }
        var gradRng = SplitMix64(seed: 22)
        for _ in 0..<4 { try Self.step(a, &pa, rng: &gradRng) }
        let saved = a.stateDict()
        let b = try OptimizerFactory.make(name: name, options: options)
        try b.loadStateDict(saved)
        #expect(b.stateBytes == a.stateBytes)
        var pb = pa
        var rngB = gradRng
        for _ in 0..<5 {
            try Self.step(a, &pa, rng: &gradRng)
            try Self.step(b, &pb, rng: &rngB)
        }
        #expect(pa == pb, "\(name) \(flags): resumed run differs")
        #expect(b.stateDict().keys.sorted() == a.stateDict().keys.sorted())
        #expect(throws: OptimizerError.self) {
            var broken = saved
            broken.removeValue(forKey: saved.keys.filter { $0.hasSuffix("/step") }.sorted()[0])
            try OptimizerFactory.make(name: name, options: options).loadStateDict(broken)
        }
    }

    /// stateBytes equals the shape-only estimate once every parameter has stepped (AdaRankGrad: ≤, ranks shrink).
    @Test(arguments: configs.indices)
    func stateBytesMatchTheEstimate(config: Int) throws {
        let (name, flags) = Self.configs[config]
        let options = try OptimizerOptions.parse(flags)
        let opt = try OptimizerFactory.make(name: name, options: options)
        var rng = SplitMix64(seed: 5)
        var params = Self.shapes.map { Tensor.uniform($0.shape, rng: &rng) }
        try Self.step(opt, &params, rng: &rng)
        let estimate = try OptimizerFactory.estimatedStateBytes(name: name, options: options, shapes: Self.shapes)
        if name == "adarankgrad" { #expect(opt.stateBytes <= estimate && opt.stateBytes > 0) } else { #expect(opt.stateBytes == estimate) }
    }

    @Test func eightBitProjectedMomentsAreUsedWhereLargeEnough() throws {
        let opt = try GaLore(.init(rank: 40, stateBits: .int8))
        var rng = SplitMix64(seed: 1)
        var w = Tensor.uniform([128, 64], rng: &rng), small = Tensor.uniform([48, 96], rng: &rng)
        try opt.update("model.layers.0.self_attn.q_proj.weight", parameter: &w, gradient: Tensor.uniform([128, 64], rng: &rng), lr: 1e-2)
        try opt.update("model.layers.0.mlp.down_proj.weight", parameter: &small, gradient: Tensor.uniform([48, 96], rng: &rng), lr: 1e-2)
        #expect(opt.parameterState("model.layers.0.self_attn.q_proj.weight")!.moments.isQuantized)    // 128×40 = 5120
        #expect(!opt.parameterState("model.layers.0.mlp.down_proj.weight")!.moments.isQuantized)     // 40×96 = 3840 < 4096
    }

    /// 8-bit states keep the token embedding's moments in Float32 (as transformers' Trainer with bitsandbytes)
    /// and quantize the head's; a checkpoint from before that rule (8-bit embedding moments) still resumes, and
    /// 8-bit moments offered to a Float32-state optimizer are refused.
    @Test func eightBitStatesKeepTheEmbeddingInFloat32() throws {
        let eightBit = try OptimizerOptions.parse(["--state-bits": "8"])
        let opt = try OptimizerFactory.make(name: "adamw", options: eightBit)
        var rng = SplitMix64(seed: 6)
        var params = Self.shapes.map { Tensor.uniform($0.shape, rng: &rng) }
        try Self.step(opt, &params, rng: &rng)
        let state = opt.stateDict()
        #expect(state["model.embed_tokens.weight/exp_avg"] != nil && state["model.embed_tokens.weight/exp_avg.codes"] == nil)
        #expect(state["lm_head.weight/exp_avg.codes"] != nil && state["lm_head.weight/exp_avg"] == nil)
        // The legacy form: the head's 8-bit moments (same shape) filed under the embedding's name.
        var legacy = state.filter { !$0.key.hasPrefix("model.embed_tokens.weight/") }
        for (key, value) in state where key.hasPrefix("lm_head.weight/") {
            legacy["model.embed_tokens.weight/" + key.dropFirst("lm_head.weight/".count)] = value
        }
        let resumed = try OptimizerFactory.make(name: "adamw", options: eightBit)
        try resumed.loadStateDict(legacy)
        #expect(resumed.stateDict()["model.embed_tokens.weight/exp_avg.codes"] == legacy["model.embed_tokens.weight/exp_avg.codes"])
        try Self.step(resumed, &params, rng: &rng)
        #expect(throws: OptimizerError.self) { try OptimizerFactory.make(name: "adamw").loadStateDict(state) }
    }

    @Test func factoryRejectsUnknownNamesAndValues() {
        #expect(throws: OptimizerError.self) { try OptimizerFactory.make(name: "lion") }
        #expect(throws: OptimizerError.self) { try OptimizerOptions.parse(["--state-bits": "4"]) }
        #expect(throws: OptimizerError.self) { try OptimizerOptions.parse(["--proj-type": "diagonal"]) }
        #expect(throws: OptimizerError.self) { try OptimizerOptions.parse(["--momentum": "0.9"]) }
        #expect(throws: OptimizerError.self) { try OptimizerFactory.make(name: "natural-galore", options: try OptimizerOptions.parse(["--damping": "0"])) }
        #expect(OptimizerOptions().rank == 128 && OptimizerOptions().updateGap == 200 && OptimizerOptions().history == 20)
        #expect(OptimizerFactory.names.allSatisfy { (try? OptimizerFactory.make(name: $0)) != nil })
    }

    /// The factory's `adamw` is the transformers form, as the existing `AdamW(.huggingFace)`.
    @Test func adamWHFMatchesAdamW() throws {
        let a = try AdamWHF(AdamHyperparameters(weightDecay: 0.1)), b = try AdamW(.init(weightDecay: 0.1))
        var rng = SplitMix64(seed: 4)
        var w1 = Tensor.uniform([50], rng: &rng), w2 = w1
        for _ in 0..<5 {
            let g = Tensor.uniform([50], rng: &rng)
            try a.update("p", parameter: &w1, gradient: g, lr: 1e-2)
            try b.update("p", parameter: &w2, gradient: g, lr: 1e-2)
        }
        #expect(w1.maxAbsDiff(w2) <= 1e-6)
        #expect(a.stateBytes == b.stateBytes)
    }
}
