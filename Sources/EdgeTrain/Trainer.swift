import Dispatch
import EdgeDistributed
import EdgeModel
import EdgeOptim
import EdgeTensor
import Foundation

/// Settings of a fine-tuning run (CLI flags map one to one; defaults live here once).
public struct FinetuneSettings: Codable, Sendable, Equatable {
    public static let defaultSteps = 300
    public static let defaultBatch = 4
    public static let defaultGradAccum = 1
    public static let defaultMaxSeq = 512
    public static let defaultLR = 1e-4
    public static let defaultWarmup = 10
    public static let defaultMaxGradNorm = 1.0
    public static let defaultSaveEvery = 100
    public static let defaultMaxBadSteps = 5

    public var steps = Self.defaultSteps
    public var batchSize = Self.defaultBatch
    public var gradAccum = Self.defaultGradAccum
    public var maxSeq = Self.defaultMaxSeq
    public var lr = Self.defaultLR
    public var warmupSteps = Self.defaultWarmup
    public var schedule = LRSchedule.Kind.cosine
    /// Global-norm clipping threshold (0 = off).
    public var maxGradNorm = Self.defaultMaxGradNorm
    public var seed: UInt64 = 0
    /// Checkpoint every N steps (0 = only at the end).
    public var saveEvery = Self.defaultSaveEvery
    /// Gradient checkpointing: recompute each layer's activations during backward.
    public var recompute = false
    /// Stop after this many consecutive steps with non-finite loss or gradients.
    public var maxBadSteps = Self.defaultMaxBadSteps
    /// Storage of saved weights.
    public var saveBF16 = false
    /// Layer-wise updates: each layer's optimizer step runs inside the backward pass (see `TrainingEngine`);
    /// `maxGradNorm` then clips per tensor, and `gradAccum` must be 1.
    public var layerWise = false
    /// Keep the base weights in BF16 (F32 math); see `LlamaParametersBF16` for the precision trade-off.
    public var bf16Weights = false
    /// LoRA adapters on a frozen base (nil = full fine-tuning).
    public var lora: LoRAConfig?
    /// Data parallelism: how gradients are all-reduced (ignored in a single process).
    public var gradientCommunication = GradientCommunication.full
    /// Data parallelism: all-reduce each layer's gradients on a communication thread during backward (when the
    /// communicator allows background collectives: `finetune --no-comm-overlap` makes one that does not).
    public var overlapCommunication = true

    public init() {}

    public func validate() throws {
        guard steps >= 1 else { throw TrainError.badSetting("--steps must be ≥ 1") }
        guard batchSize >= 1 else { throw TrainError.badSetting("--batch must be ≥ 1") }
        guard gradAccum >= 1 else { throw TrainError.badSetting("--grad-accum must be ≥ 1") }
        guard maxSeq >= 8 else { throw TrainError.badSetting("--max-seq must be ≥ 8") }
        guard lr > 0, lr.isFinite else { throw TrainError.badSetting("--lr must be positive") }
        guard !layerWise || gradAccum == 1 else {
            throw TrainError.badSetting("--layer-wise applies each layer's update during backward, so --grad-accum must be 1")
        }
        do { try lora?.validate() } catch { throw TrainError.badSetting("\(error)") }
        guard gradientCommunication == .full || maxGradNorm == 0 else {
            throw TrainError.badSetting("--grad-comm low-rank never forms the full gradient, so it cannot clip its norm: pass --max-grad-norm 0 or --grad-comm full")
        }
    }
}

/// One line of `train_log.jsonl`.
public struct TrainLogEntry: Codable, Sendable, Equatable {
    public var step: Int
    public var loss: Double
    public var lr: Double
    public var gradNorm: Double
    public var tokensPerSecond: Double
    public var rssBytes: Int?
    /// True when the step was skipped (non-finite loss or gradient).
    public var skipped: Bool
    /// Data-parallel runs: seconds this rank's training thread spent in collectives or waiting for them.
    public var communicationWaitSeconds: Double?
    enum CodingKeys: String, CodingKey {
        case step, loss, lr, gradNorm = "grad_norm", tokensPerSecond = "tokens_per_s", rssBytes = "rss", skipped
        case communicationWaitSeconds = "comm_wait_s"
    }
}

/// Runs optimizer steps over a batch stream, logging and checkpointing; resumable bit-exactly.
public final class Trainer {
    public let config: LlamaConfig
    /// What is trained: base weights (F32 or BF16 storage) or LoRA adapters on a frozen base.
    public let model: TrainableModel
    public let optimizer: any Optimizer
    public let settings: FinetuneSettings
    public private(set) var loader: BatchLoader
    public private(set) var state: TrainerState
    let schedule: LRSchedule
    let engine: TrainingEngine

    /// Full fine-tuning or LoRA (per `settings.lora`) of `parameters`, stored as `settings.bf16Weights` says.
    public convenience init(config: LlamaConfig, parameters: LlamaParameters, optimizer: any Optimizer, loader: BatchLoader,
                            settings: FinetuneSettings, communicator: any GradientCommunicator = SingleProcess()) throws {
        let model = try TrainableModel(dims: config.dims, parameters: parameters, bf16Weights: settings.bf16Weights,
                                       lora: settings.lora, loraSeed: settings.seed)
        try self.init(config: config, model: model, optimizer: optimizer, loader: loader, settings: settings, communicator: communicator)
    }

    /// `communicator`: data parallelism over its ranks (`loader` must be sharded to match: rank of size).
    public init(config: LlamaConfig, model: TrainableModel, optimizer: any Optimizer, loader: BatchLoader,
                settings: FinetuneSettings, communicator: any GradientCommunicator = SingleProcess()) throws {
        try settings.validate()
        guard loader.shardIndex == communicator.rank, loader.shardCount == communicator.size else {
            throw TrainError.badSetting("the batch loader is shard \(loader.shardIndex) of \(loader.shardCount) but this is rank \(communicator.rank) of \(communicator.size)")
        }
        self.config = config
        self.model = model
        self.optimizer = optimizer
        self.settings = settings
        self.loader = loader
        self.state = TrainerState(step: 0, loader: loader.position, bestLoss: nil, consecutiveBadSteps: 0, elapsedSeconds: 0)
        self.schedule = LRSchedule(kind: settings.schedule, baseLR: settings.lr, warmupSteps: settings.warmupSteps,
                                   totalSteps: settings.steps)
        self.engine = TrainingEngine(model: model, optimizer: optimizer, B: loader.B, T: loader.maxBatchLength,
                                     recompute: settings.recompute, layerWise: settings.layerWise,
                                     maxGradNorm: settings.maxGradNorm, paddingTokenId: config.padTokenId.map(Int32.init),
                                     communicator: communicator, gradientCommunication: settings.gradientCommunication,
                                     overlapCommunication: settings.overlapCommunication)
    }

    /// The base parameters in F32 (without LoRA adapters; see `model.mergedParameters` for export).
    public var parameters: LlamaParameters { model.baseParameters }

    /// Restores a checkpoint written by `saveCheckpoint`.
    public func resume(from directory: String) throws {
        state = try Checkpoint.load(directory: directory, model: model, optimizer: optimizer)
        loader.seek(to: state.loader)
    }

    public func saveCheckpoint(to directory: String) throws {
        state.loader = loader.position
        try Checkpoint.save(directory: directory, model: model, config: config, optimizer: optimizer, state: state,
                            weightDType: settings.saveBF16 || model.storesBF16 ? .bf16 : .f32)
    }

    /// Bytes of stored weights, gradient buffers and activation buffers (for the memory report).
    public var weightBytes: Int { model.weightBytes }
    public var gradientBytes: Int { engine.gradientBytes }
    public var activationBytes: Int { engine.activationBytes }
    /// Payload bytes this rank has passed to collectives (0 in a single process).
    public var communicatedBytes: Int { engine.communicator.payloadBytes }

    /// Runs one optimizer step (gradient accumulation over `gradAccum` batches). Throws `TrainError.diverged`
    /// after `maxBadSteps` consecutive non-finite steps.
    public func step() throws -> TrainLogEntry {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let batches = (0..<settings.gradAccum).map { _ in loader.next() }
        let lr = schedule.lr(state.step)
        let waitBefore = engine.communicationWaitSeconds
        let r = try engine.step(batches, lr: Float(lr))
        let (loss, norm, tokens, bad) = (r.loss, r.gradNorm, r.tokens, r.skipped)
        if bad {
            state.consecutiveBadSteps += 1
            if state.consecutiveBadSteps >= settings.maxBadSteps {
                throw TrainError.diverged(step: state.step, consecutive: state.consecutiveBadSteps)
            }
        } else {
            state.consecutiveBadSteps = 0
            state.bestLoss = min(state.bestLoss ?? loss, loss)
        }
        state.step += 1
        state.loader = loader.position
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        state.elapsedSeconds += seconds
        return TrainLogEntry(step: state.step, loss: loss, lr: lr, gradNorm: norm, tokensPerSecond: Double(tokens) / seconds,
                             rssBytes: MemoryStats.currentRSS, skipped: bad,
                             communicationWaitSeconds: engine.communicator.isDistributed ? engine.communicationWaitSeconds - waitBefore : nil)
    }
}
