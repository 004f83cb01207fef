import ArgumentParser
import Dispatch
import EdgeDistributed
import EdgeModel
import EdgeOptim
import EdgePlan
import EdgeTensor
import EdgeTrain
import Foundation

/// `edgeagent finetune`: supervised fine-tuning of the planner on planning data.
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a model on planning data (JSONL) with AdamW, GaLore, Natural GaLore, AdaRankGrad or LoRA.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var threads: ThreadOptions
    @Option(help: "Training data (JSONL: id, query, plan, …).") var data = "datasets/train.jsonl"
    @Option(help: "Run directory: checkpoint, train_log.jsonl, summary.json, final model.") var out = "runs/default"
    @OptionGroup var mode: TrainingModeOptions
    @Option(help: "adamw, galore, natural-galore, adarankgrad, lora.") var optimizer = OptimizerOptions.defaultOptimizer
    @Option(help: "Projection rank (GaLore family, default \(OptimizerOptions.defaultRank)) or LoRA rank (default \(LoRAConfig.defaultRank)).")
    var rank: Int?
    @Option(help: "Projector refresh period in steps.") var updateGap = OptimizerOptions.defaultUpdateGap
    @Option(help: "GaLore scale α.") var scale = OptimizerOptions.defaultScale
    @Option(help: "Natural GaLore history length s.") var history = OptimizerOptions.defaultHistory
    @Option(help: "Natural GaLore damping λ.") var damping = OptimizerOptions.defaultDamping
    @Option(help: "Natural GaLore history storage: exact, bf16 or int8.")
    var historyPrecision = OptimizerOptions.defaultHistoryPrecision.rawValue
    @Option(help: "Projection type: std, reverse_std, left, right, full.") var projType = OptimizerOptions.defaultProjectionType.rawValue
    @Option(help: "Optimizer state bits: 32 or 8.") var stateBits = 32
    @Option(help: "Decoupled weight decay.") var weightDecay = OptimizerOptions.defaultWeightDecay
    @Option(help: "Peak learning rate.") var lr = FinetuneSettings.defaultLR
    @Option(help: "Optimizer steps.") var steps = FinetuneSettings.defaultSteps
    @Option(help: "Sequences per micro-batch.") var batch = FinetuneSettings.defaultBatch
    @Option(help: "Micro-batches per optimizer step.") var gradAccum = FinetuneSettings.defaultGradAccum
    @Option(help: "Longest example in tokens (longer ones are skipped and counted).") var maxSeq = FinetuneSettings.defaultMaxSeq
    @Option(help: "Warm-up steps.") var warmup = FinetuneSettings.defaultWarmup
    @Option(help: "LR schedule: cosine, linear, constant.") var schedule = LRSchedule.Kind.cosine.rawValue
    @Option(help: "Clip the global gradient norm (0 = off).") var maxGradNorm = FinetuneSettings.defaultMaxGradNorm
    @Option(help: "Checkpoint every N steps (0 = at the end only).") var saveEvery = FinetuneSettings.defaultSaveEvery
    @Option(help: "Seed for data order and preset weights.") var seed: UInt64 = 0
    @Option(help: "Planner prompt style: compact, full or minimal.") var promptStyle = PlanningPrompt.Style.compact.rawValue
    @Option(help: "Directory of prompt templates.") var prompts: String?
    @Option(help: "Use only the first N examples.") var limit: Int?
    @Flag(help: "Batch examples of similar length together (less padding; the order stays seeded and random).")
    var groupByLength = false
    @Flag(help: "Recompute activations per layer in the backward pass (less memory).") var recompute = false
    @Flag(help: "Save weights as BF16.") var bf16 = false
    @Flag(help: "Continue from the run directory's checkpoint.") var resume = false
    @Flag(help: "With --optimizer lora: also write PEFT adapter files (adapter_model.safetensors, adapter_config.json) to DIR/adapter.")
    var saveAdapters = false
    @OptionGroup var distributed: DistributedOptions

    func run() throws {
        try threads.apply()
        Threads.setBLASIdleSpin(log2Cycles: Threads.trainingBLASIdleSpin)
        let comm = try distributed.communicator()
        do {
            try train(comm)
            try (comm as? MPICommunicator)?.finalize()
        } catch {
            // One rank failing must end the job, or the others would wait in their next collective.
            if let mpi = comm as? MPICommunicator, mpi.size > 1 {
                DistributedOptions.fail("rank \(mpi.rank): \(error)")
                mpi.abort(code: 1)
            }
            throw error
        }
    }

    func train(_ comm: any GradientCommunicator) throws {
        let lead = comm.rank == 0   // rank 0 alone writes the run directory
        var s = FinetuneSettings()
        (s.steps, s.batchSize, s.gradAccum, s.maxSeq, s.lr) = (steps, batch, gradAccum, maxSeq, lr)
        (s.warmupSteps, s.maxGradNorm, s.saveEvery, s.seed, s.recompute, s.saveBF16) = (warmup, maxGradNorm, saveEvery, seed, recompute, bf16)
        guard let kind = LRSchedule.Kind(rawValue: schedule) else { throw ValidationError("--schedule must be cosine, linear or constant") }
        s.schedule = kind
        guard let style = PlanningPrompt.Style(rawValue: promptStyle) else { throw ValidationError("--prompt-style must be compact, full or minimal") }
        s.lora = try mode.lora(optimizer: optimizer, rank: rank)
        (s.layerWise, s.bf16Weights) = (mode.layerWise, mode.bf16Weights)
        if saveAdapters && s.lora == nil { throw ValidationError("--save-adapters needs --optimizer lora") }
        s.gradientCommunication = try distributed.gradientCommunication(optimizer: optimizer, maxGradNorm: maxGradNorm, size: comm.size)
        try s.validate()
        // LoRA trains its adapters with AdamW (HF form); the other names come from the optimizer factory.
        let opt = try OptimizerFactory.make(name: s.lora == nil ? optimizer : "adamw", options: OptimizerOptions.parse([
            "--rank": "\(rank ?? OptimizerOptions.defaultRank)", "--update-gap": "\(updateGap)", "--scale": "\(scale)", "--history": "\(history)",
            "--damping": "\(damping)", "--proj-type": projType, "--state-bits": "\(stateBits)", "--history-precision": historyPrecision, "--weight-decay": "\(weightDecay)",
        ]))
        let run = RunDirectory(out)
        if lead { try run.prepare() }
        if comm.isDistributed { distributed.reportTermination(rank: comm.rank, checkpoint: run.checkpoint) }

        // Model and data.
        let checkpoint = try LlamaCheckpoint.open(modelOptions.model)
        let tok = try LoadedModel.loadTokenizer(checkpoint, override: modelOptions.tokenizer)
        let template = try LoadedModel.chatTemplate(checkpoint, tokenizer: tok, override: modelOptions.chatTemplate,
                                                         tokenizerOverride: modelOptions.tokenizer)
        var examples = try JSONLines.examples(data)
        if let limit { examples = Array(examples.prefix(limit)) }
        let prompt = try PlanningPrompt.load(directory: prompts, style: style, tools: try ToolSet.tinyAgent)
        let bar = ProgressBar("encode", total: examples.count, unit: "ex", enabled: lead)
        let encoded = try PlanningData.encode(examples, prompt: prompt, encoder: ChatExampleEncoder(tokenizer: tok.tokenizer, template: template)) { done, _ in
            bar.update(done)
        }
        bar.finish()
        let loader = try BatchLoader(examples: encoded, batchSize: batch, maxSeq: maxSeq, seed: seed,
                                     padToken: tok.tokenizer.padTokenId ?? tok.tokenizer.eosTokenId ?? 0,
                                     shard: comm.rank, of: comm.size, groupByLength: groupByLength)
        if lead && comm.isDistributed {
            FileHandle.standardError.write(Data("distributed: \(comm.size) ranks × batch \(batch) = global batch \(comm.size * batch), gradients all-reduced \(s.gradientCommunication.rawValue)\n".utf8))
        }
        if lead {
            let (mean, padding) = loader.paddingSummary
            FileHandle.standardError.write(Data(String(format: "data: %d examples, %.0f tokens each on average, %.0f%% of batch tokens are padding\n",
                                                       loader.examples.count, mean, padding * 100).utf8))
        }
        if lead && loader.skippedTooLong > 0 {
            FileHandle.standardError.write(Data("note: skipped \(loader.skippedTooLong) of \(encoded.count) examples longer than --max-seq \(maxSeq)\n".utf8))
        }
        let trainer = try Trainer(config: checkpoint.config, parameters: try checkpoint.llamaParameters(seed: modelOptions.weightSeed),
                                  optimizer: opt, loader: loader, settings: s, communicator: comm)
        if resume {
            guard let dir = Checkpoint.locate(run.checkpoint) else {
                throw ValidationError("--resume: no checkpoint in \(run.checkpoint); start without --resume")
            }
            try trainer.resume(from: dir)
            if comm.isDistributed {   // every rank must start from the same step (a shared directory, read by all)
                let steps = try comm.sum(Double(trainer.state.step))
                guard steps == Double(trainer.state.step * comm.size) else {
                    throw DistributedError.mismatch("the ranks resumed from checkpoints at different steps (is \(out) on a shared file system?)")
                }
            }
            if lead { try run.truncateLog(afterStep: trainer.state.step) }
            if lead { FileHandle.standardError.write(Data("resumed at step \(trainer.state.step)\n".utf8)) }
        }

        // Ctrl-C: finish the current step, save, exit cleanly.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let stop = StopFlag()
        interrupt.setEventHandler { stop.set() }
        interrupt.resume()

        let progress = ProgressBar("finetune", total: steps, unit: "step", enabled: lead)
        var last: TrainLogEntry?
        var tokensPerSecond: [Double] = []
        let wallStart = DispatchTime.now().uptimeNanoseconds
        let bytesAtStart = trainer.communicatedBytes, stepAtStart = trainer.state.step
        var stopped = false
        // A stop request seen by any rank stops every rank after the same step.
        while trainer.state.step < steps {
            stopped = try comm.any(stop.isSet)
            if stopped { break }
            let e = try trainer.step()
            last = e
            tokensPerSecond.append(e.tokensPerSecond)
            guard lead else { continue }
            try run.appendLog(e)
            progress.update(e.step, extra: String(format: "loss %.4f  %.0f tok/s%@", e.loss, e.tokensPerSecond, e.skipped ? " (skipped)" : ""))
            if s.saveEvery > 0 && e.step % s.saveEvery == 0 && e.step < steps { try trainer.saveCheckpoint(to: run.checkpoint) }
        }
        progress.finish()
        guard lead else { return }
        try trainer.saveCheckpoint(to: run.checkpoint)
        if stopped {
            FileHandle.standardError.write(Data("interrupted: checkpoint saved at step \(trainer.state.step); continue with --resume\n".utf8))
            return
        }
        if saveAdapters, let adapters = trainer.model.adapters {
            try AdapterExport.peft(adapters, baseModel: modelOptions.model, directory: out + "/adapter")
        }
        try ModelExport.huggingFace(trainer.model.mergedParameters, config: checkpoint.config, checkpoint: checkpoint, tokenizer: tok,
                                    template: template, directory: out, bf16: bf16)
        try PlanningPrompt.record(style: style, inModelDirectory: out)   // plan/eval/repl/serve prompt as trained
        let sorted = tokensPerSecond.sorted()
        var summary = FinetuneSummary(
            steps: trainer.state.step, finalLoss: last?.loss ?? .nan, bestLoss: trainer.state.bestLoss,
            peakRSSBytes: MemoryStats.peakRSS, parameterCount: trainer.model.baseParameterCount,
            parameterBytes: trainer.weightBytes, gradientBytes: trainer.gradientBytes,
            optimizerStateBytes: opt.stateBytes, activationBytes: trainer.activationBytes,
            tokensPerSecond: sorted.isEmpty ? 0 : sorted[sorted.count / 2],
            wallSeconds: Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9,
            examples: loader.examples.count, skippedTooLong: loader.skippedTooLong, optimizer: optimizer)
        if comm.isDistributed {
            summary.worldSize = comm.size
            summary.gradientCommunication = s.gradientCommunication.rawValue
            let n = trainer.state.step - stepAtStart
            summary.communicatedBytesPerStep = n > 0 ? Double(trainer.communicatedBytes - bytesAtStart) / Double(n) : 0
        }
        try run.writeSummary(summary)
        print(String(format: "finetune: %d steps, final loss %.4f, %.0f tokens/s, peak RSS %.2f GB → %@", summary.steps,
                     summary.finalLoss, summary.tokensPerSecond, Double(summary.peakRSSBytes ?? 0) / 1e9, out))
    }
}

/// Set from a signal handler queue, read by the training loop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
