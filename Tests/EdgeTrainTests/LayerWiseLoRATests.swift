import EdgeModel
import EdgeOptim
import EdgeTensor
import EdgeTestSupport
import EdgeTrain
import Foundation
import Testing

/// Training-engine modes: layer-wise updates, BF16 weights, LoRA (adapters only, PEFT files).
@Suite struct LayerWiseLoRATests {
    static let dims = LlamaDims(C: 16, L: 3, NH: 4, NKV: 2, hd: 4, F: 24, V: 41, eps: 1e-5, ropeTheta: 10_000, maxPositions: 64)

    func batches(_ n: Int, B: Int, T: Int) -> [Batch] {
        var rng = SplitMix64(seed: 5)
        return (0..<n).map { _ in
            let tokens = (0..<(B * T)).map { _ in Int32(rng.nextInt(below: Self.dims.V)) }
            var targets = Array(tokens.dropFirst()) + [-1]
            for b in 0..<B { targets[b * T + T - 1] = -1 }
            return Batch(tokens: tokens, targets: targets, batch: B, length: T)
        }
    }

    func run(layerWise: Bool, bf16: Bool, tied: Bool, recompute: Bool) throws -> (TrainableModel, [Double]) {
        let model = try TrainableModel(dims: Self.dims, parameters: .random(Self.dims, tied: tied, seed: 1, std: 0.3), bf16Weights: bf16)
        let engine = TrainingEngine(model: model, optimizer: try AdamWHF(AdamHyperparameters(weightDecay: 0.01)), B: 2, T: 9,
                                    recompute: recompute, layerWise: layerWise, maxGradNorm: 0, paddingTokenId: nil)
        var losses: [Double] = []
        let b = batches(1, B: 2, T: 9)[0]   // the same batch every step, so the loss must fall
        for _ in 0..<4 { losses.append(try engine.step([b], lr: 1e-2).loss) }
        return (model, losses)
    }

    /// Layer-wise AdamW (clipping off) equals the normal path (clipping off) bit for bit: each layer's gradient
    /// is computed before that layer is updated, and AdamW state is per parameter. Also with BF16 weights
    /// (both paths round the same F32 update) and gradient checkpointing.
    @Test(arguments: [(false, false, false), (true, false, true), (false, true, false), (true, true, true)])
    func layerWiseEqualsNormal(tied: Bool, bf16: Bool, recompute: Bool) throws {
        let (normal, l1) = try run(layerWise: false, bf16: bf16, tied: tied, recompute: recompute)
        let (layerWise, l2) = try run(layerWise: true, bf16: bf16, tied: tied, recompute: recompute)
        #expect(l1 == l2)
        #expect(normal.baseParameters == layerWise.baseParameters)
        #expect(l1.last! < l1.first!, "losses \(l1)")
    }

    /// Layer-wise keeps one layer's gradient buffer plus the outer (embedding/norm/head) gradients.
    @Test func layerWiseGradientBytes() throws {
        let p = LlamaParameters.random(Self.dims, tied: false, seed: 1)
        let model = try TrainableModel(dims: Self.dims, parameters: p)
        let opt = try AdamWHF()
        let full = TrainingEngine(model: model, optimizer: opt, B: 1, T: 8, recompute: false, layerWise: false, maxGradNorm: 0, paddingTokenId: nil)
        let lw = TrainingEngine(model: model, optimizer: opt, B: 1, T: 8, recompute: false, layerWise: true, maxGradNorm: 0, paddingTokenId: nil)
        let layer = LlamaParameters.Layer(zeros: Self.dims).parameterCount
        #expect(full.gradientBytes == p.parameterCount * 4)
        #expect(lw.gradientBytes == (p.parameterCount - (Self.dims.L - 1) * layer) * 4)
    }

    /// LoRA: only adapters change (base bit-identical), the loss falls, and the adapters written in PEFT's
    /// layout read back exactly with PEFT's key names and config.
    @Test func loraTrainsAdaptersOnlyAndSavesPEFTFiles() throws {
        let base = LlamaParameters.random(Self.dims, tied: true, seed: 2, std: 0.3)
        let lora = LoRAConfig(rank: 4, alpha: 8, targets: [.q, .v, .down])
        let model = try TrainableModel(dims: Self.dims, parameters: base, bf16Weights: false, lora: lora, loraSeed: 3)
        let engine = TrainingEngine(model: model, optimizer: try AdamWHF(), B: 2, T: 9, recompute: false, layerWise: false,
                                    maxGradNorm: 1, paddingTokenId: nil)
        #expect(engine.gradientBytes == model.trainableParameterCount * 4)
        let b = batches(1, B: 2, T: 9)[0]
        var losses: [Double] = []
        for _ in 0..<8 { losses.append(try engine.step([b], lr: 1e-2).loss) }
        #expect(losses.last! < losses.first! - 0.05, "losses \(losses)")
        #expect(model.baseParameters == base)
        #expect(model.mergedParameters != base)
        var shapes: [String] = []
        model.forEachTrainable { name, _ in shapes.append(name) }
        #expect(shapes.count == 2 * 3 * Self.dims.L)

        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try AdapterExport.peft(model.adapters!, baseModel: "preset:test", directory: dir.path)
        let back = try AdapterExport.read(Self.dims, config: lora, directory: dir.path)
        #expect(back == model.adapters!)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("adapter_config.json"))) as? [String: Any]
        #expect(config?["r"] as? Int == 4)
        #expect(config?["lora_alpha"] as? Double == 8)
        #expect(config?["target_modules"] as? [String] == ["q_proj", "v_proj", "down_proj"])
        #expect(config?["peft_type"] as? String == "LORA")
        let file = try SafetensorsFile(path: dir.path + "/adapter_model.safetensors")
        #expect(file.tensorNames.contains("base_model.model.model.layers.2.mlp.down_proj.lora_B.weight"))
    }

    /// Resuming a LoRA run from its checkpoint (adapters + AdamW state) continues bit-exactly.
    @Test func loraCheckpointRoundTrip() throws {
        let base = LlamaParameters.random(Self.dims, tied: false, seed: 4, std: 0.3)
        let lora = LoRAConfig(rank: 2, alpha: 4)
        func engine(_ m: TrainableModel, _ o: any Optimizer) -> TrainingEngine {
            TrainingEngine(model: m, optimizer: o, B: 2, T: 9, recompute: false, layerWise: true, maxGradNorm: 0, paddingTokenId: nil)
        }
        let bs = batches(4, B: 2, T: 9)
        let m1 = try TrainableModel(dims: Self.dims, parameters: base, lora: lora, loraSeed: 1), o1 = try AdamWHF()
        let e1 = engine(m1, o1)
        for b in bs.prefix(2) { _ = try e1.step([b], lr: 1e-2) }
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = TrainerState(step: 2, loader: .init(), bestLoss: nil, consecutiveBadSteps: 0, elapsedSeconds: 0)
        try Checkpoint.save(directory: dir.path + "/ck", model: m1, config: .tiny, optimizer: o1, state: state)
        let m2 = try TrainableModel(dims: Self.dims, parameters: base, lora: lora, loraSeed: 99), o2 = try AdamWHF()
        _ = try Checkpoint.load(directory: dir.path + "/ck", model: m2, optimizer: o2)
        #expect(m2.adapters == m1.adapters)
        let e2 = engine(m2, o2)
        for b in bs.suffix(2) { _ = try e1.step([b], lr: 1e-2); _ = try e2.step([b], lr: 1e-2) }
        #expect(m2.adapters == m1.adapters)
    }
}
