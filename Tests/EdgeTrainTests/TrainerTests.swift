import EdgeModel
import EdgeOptim
import EdgeTensor
import EdgeTestSupport
import EdgeTrain
import Foundation
import Testing

/// A learnable toy planning task: 16 request → plan pairs on the byte tokenizer.
func toyExamples() throws -> [TrainingExample] {
    let encoder = ChatExampleEncoder(tokenizer: try ByteTokenizer(), template: .chatML)
    let names = ["Sam", "Alice", "Bob", "Carol"], tools = ["get_email_address", "get_phone_number"]
    var out: [TrainingExample] = []
    for (i, n) in names.enumerated() {
        for (j, t) in tools.enumerated() {
            for k in 0..<2 {
                let q = k == 0 ? "find \(n)'s \(j == 0 ? "email" : "phone")" : "what is \(n)'s \(j == 0 ? "email" : "number")"
                out.append(try encoder.encode([.system("plan"), .user(q), .assistant("1. \(t)(\"\(n)\")\n2. join()<END_OF_PLAN>")]))
                _ = i
            }
        }
    }
    return out
}

@Suite(.serialized) struct TrainerTests {
    func makeTrainer(steps: Int, seed: UInt64 = 3, optimizer: (any Optimizer)? = nil) throws -> Trainer {
        var s = FinetuneSettings()
        s.steps = steps
        s.batchSize = 4
        s.maxSeq = 128
        s.lr = 3e-3
        s.warmupSteps = 5
        s.seed = seed
        let loader = try BatchLoader(examples: try toyExamples(), batchSize: 4, maxSeq: 128, seed: seed, padToken: 256)
        let params = LlamaParameters.random(LlamaConfig.tiny.dims, tied: false, seed: seed)
        return try Trainer(config: .tiny, parameters: params, optimizer: try optimizer ?? AdamW(.init(weightDecay: 0.01)), loader: loader, settings: s)
    }

    /// 300 AdamW steps on 16 toy plans. The loss starts near ln(320) ≈ 5.77 (uniform over the byte vocabulary);
    /// the plan text is fully determined by the request except the tool/name tokens, so a model that learns the
    /// format reaches well under 0.5 nats per token. Threshold 0.5: an order of magnitude below the start.
    @Test func lossFallsOnToyPlans() throws {
        let trainer = try makeTrainer(steps: 300)
        var first = 0.0, last = 0.0
        for i in 0..<300 {
            let e = try trainer.step()
            if i == 0 { first = e.loss }
            last = e.loss
        }
        #expect(first > 5)
        #expect(last < 0.5, "final loss \(last)")
    }

    /// 8-bit optimizer states (block-wise dynamic quantization of the Adam moments) train as well as F32 states:
    /// the same 60-step run on the toy plans ends within 2 % of the F32 run's loss (mean of the last 10 steps,
    /// which smooths the per-batch noise). Measured while the loss is still well above zero (≈ 0.75–1 nats): near
    /// convergence both runs approach 0 and a relative comparison means nothing. A quantizer that lost the
    /// moments' scale or sign would stall or derail the run. AdamW: every matrix of ≥ 4096 entries but the token
    /// embedding is 8-bit (`StateBits.forPlain`; with an 8-bit embedding too it ends 5.6 % above F32, measured
    /// 1.7 % with the rule). Natural GaLore at rank 32: the projected moments of the MLP matrices (32 × 176) and
    /// the untied head are 8-bit (measured −0.3 %).
    @Test(arguments: [("adamw", 16), ("natural-galore", 32)]) func eightBitStatesMatchF32Loss(optimizer: String, rank: Int) throws {
        func finalLoss(bits: Int) throws -> Double {
            let options = try OptimizerOptions.parse(["--state-bits": "\(bits)", "--rank": "\(rank)", "--weight-decay": "0.01"])
            let trainer = try makeTrainer(steps: 60, optimizer: try OptimizerFactory.make(name: optimizer, options: options))
            var tail: [Double] = []
            for i in 0..<60 {
                let loss = try trainer.step().loss
                if i >= 50 { tail.append(loss) }
            }
            return tail.reduce(0, +) / Double(tail.count)
        }
        let f32 = try finalLoss(bits: 32), q8 = try finalLoss(bits: 8)
        #expect(f32 < 2.5, "the F32 run learns (\(f32), from ≈ 5.8)")
        print("8-bit states, \(optimizer) rank \(rank): final loss \(q8) vs F32 \(f32) (\((q8 - f32) / f32 * 100) %)")
        #expect(abs(q8 - f32) <= 0.02 * f32, "8-bit states: final loss \(q8) vs F32 \(f32)")
    }

    /// Interrupt after 6 steps, checkpoint, resume in a fresh trainer: the same losses and bit-identical weights.
    /// With Natural GaLore the BF16 history is stored as BF16 in the checkpoint (and the moments as F32).
    @Test(arguments: ["adamw", "natural-galore"]) func resumeIsBitExact(optimizer name: String) throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func optimizer() throws -> any Optimizer {
            try OptimizerFactory.make(name: name, options: try OptimizerOptions.parse(["--rank": "16", "--weight-decay": "0.01"]))
        }
        let straight = try makeTrainer(steps: 12, optimizer: try optimizer())
        var losses: [Double] = []
        for _ in 0..<12 { losses.append(try straight.step().loss) }

        let first = try makeTrainer(steps: 12, optimizer: try optimizer())
        var resumed: [Double] = []
        for _ in 0..<6 { resumed.append(try first.step().loss) }
        let ckpt = dir.appendingPathComponent("checkpoint").path
        try first.saveCheckpoint(to: ckpt)
        let stored = try SafetensorsFile(path: ckpt + "/optimizer.safetensors")
        let history = stored.tensorNames.filter { $0.hasSuffix("history.bf16.values") }
        #expect(history.isEmpty == (name == "adamw"))
        for h in history { #expect(try stored.tensor(h).dtype == .bf16, "\(h) stored as BF16") }
        let second = try makeTrainer(steps: 12, seed: 3, optimizer: try optimizer())
        try second.resume(from: ckpt)
        #expect(second.state.step == 6)
        for _ in 0..<6 { resumed.append(try second.step().loss) }
        #expect(resumed == losses)
        #expect(second.parameters == straight.parameters)
    }

    @Test func corruptCheckpointIsAClearErrorAndKeepsTheOldOne() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try makeTrainer(steps: 4)
        _ = try t.step()
        let ckpt = dir.appendingPathComponent("checkpoint").path
        try t.saveCheckpoint(to: ckpt)
        // Truncate the weights file: loading must fail with a typed error, not crash.
        let model = ckpt + "/model.safetensors"
        let data = try Data(contentsOf: URL(fileURLWithPath: model))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: model))
        let fresh = try makeTrainer(steps: 4)
        #expect(throws: TrainError.self) { try fresh.resume(from: ckpt) }
        // A save that fails midway (unwritable target) leaves the existing checkpoint directory untouched.
        try t.saveCheckpoint(to: ckpt)
        let before = try FileManager.default.contentsOfDirectory(atPath: ckpt).sorted()
        #expect(throws: TrainError.self) { try t.saveCheckpoint(to: "/proc/edgeagent-cannot-write/checkpoint") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: ckpt).sorted() == before)
        #expect(Checkpoint.locate(ckpt) == ckpt)
    }

    @Test func nonFiniteStepsAreSkippedThenStop() throws {
        var s = FinetuneSettings()
        s.steps = 10
        s.lr = 1e30   // overflows the weights on the first update ⇒ NaN losses afterwards
        s.warmupSteps = 0
        s.maxBadSteps = 3
        let loader = try BatchLoader(examples: try toyExamples(), batchSize: 2, maxSeq: 128, seed: 1, padToken: 256)
        let t = try Trainer(config: .tiny, parameters: LlamaParameters.random(LlamaConfig.tiny.dims, tied: false, seed: 1),
                            optimizer: try AdamW(.init(form: .torch)), loader: loader, settings: s)
        var sawSkip = false
        do {
            for _ in 0..<10 { sawSkip = try t.step().skipped || sawSkip }
            Issue.record("expected divergence")
        } catch let e as TrainError {
            guard case .diverged(_, let n) = e else { Issue.record("wrong error \(e)"); return }
            #expect(n == 3)
            #expect(sawSkip)
        }
    }
}
