import Dispatch
import EdgeModel
import EdgeOptim
import EdgeTensor

/// `edgeagent bench memory`: computed bytes of everything a training step holds, and the measured peak RSS
/// of one real step (forward, backward, optimizer) on random tokens.
///
/// Computed: weights (`TrainableModel.weightBytes`: 4 or 2 bytes per base scalar + F32 adapters), gradient
/// buffers as allocated (full, or outer + one layer with `layerWise`, or adapters), optimizer state from
/// `OptimizerFactory.estimatedStateBytes` over the trainable shapes (and `stateBytes` after the step), and
/// activation/scratch buffers of the train state. Measured: VmHWM after the step — the whole process,
/// including the model's construction, BLAS buffers, per-layer F32 copies of BF16 weights and optimizer
/// temporaries (SVD workspaces), which the computed total leaves out.
public enum MemoryBenchmark {
    public struct Report: Codable, Sendable {
        public var model: String
        public var optimizer: String
        public var parameterCount: Int
        public var trainableParameterCount: Int
        public var weightsBytes: Int
        public var gradientBytes: Int
        public var optimizerStateBytes: Int
        public var optimizerStateBytesMeasured: Int
        public var activationBytes: Int
        public var computedTotalBytes: Int
        public var peakRSSBytes: Int?
        public var rssBeforeStepBytes: Int?
        public var stepSeconds: Double
        public var loss: Double
        public var batch: Int
        public var sequenceLength: Int
        public var layerWise: Bool
        public var recompute: Bool
        public var bf16Weights: Bool
        public var threads: Int
        public var blasKernel: String
        enum CodingKeys: String, CodingKey {
            case model, optimizer, parameterCount = "parameter_count", trainableParameterCount = "trainable_parameter_count"
            case weightsBytes = "weights_bytes", gradientBytes = "gradient_bytes", optimizerStateBytes = "optimizer_state_bytes"
            case optimizerStateBytesMeasured = "optimizer_state_bytes_measured", activationBytes = "activation_bytes"
            case computedTotalBytes = "computed_total_bytes", peakRSSBytes = "peak_rss_bytes", rssBeforeStepBytes = "rss_before_step_bytes"
            case stepSeconds = "step_s", loss, batch, sequenceLength = "seq", layerWise = "layer_wise", recompute
            case bf16Weights = "bf16_weights", threads, blasKernel = "blas_kernel"
        }
    }

    /// Computed bytes only, without building the model or running a step (no measurement: `peak_rss_bytes`
    /// and `optimizer_state_bytes_measured` are what this process holds, and the step fields are zero).
    public static func estimate(modelName: String, dims d: LlamaDims, tied: Bool, optimizerName: String, options: OptimizerOptions,
                                lora: LoRAConfig?, B: Int, T: Int, layerWise: Bool, recompute: Bool, bf16Weights: Bool) throws -> Report {
        let base = TrainableModel.baseShapes(d, tied: tied)
        let baseCount = base.reduce(0) { $0 + $1.1.reduce(1, *) }
        var shapes: [(name: String, shape: [Int])] = base.map { ($0.0, $0.1) }
        var trainable = baseCount, gradients = baseCount * 4
        if let lora {
            shapes = []
            LoRAAdapters(zeros: d, config: lora).forEach { shapes.append(($0, $1.shape)) }
            trainable = shapes.reduce(0) { $0 + $1.shape.reduce(1, *) }
            gradients = trainable * 4
        } else if layerWise {
            gradients = (baseCount - (d.L - 1) * LlamaParameters.Layer(zeros: d).parameterCount) * 4
        }
        let factoryName = lora == nil ? optimizerName : "adamw"
        let estimated = try OptimizerFactory.estimatedStateBytes(name: factoryName, options: options, shapes: shapes)
        let activations = LlamaTrainState(dims: d, B: B, T: T, recompute: recompute, loraRank: lora?.rank ?? 0).activationBytes
        let weights = baseCount * (bf16Weights ? 2 : 4) + (lora == nil ? 0 : trainable * 4)
        return Report(model: modelName, optimizer: optimizerName, parameterCount: baseCount, trainableParameterCount: trainable,
                      weightsBytes: weights, gradientBytes: gradients, optimizerStateBytes: estimated, optimizerStateBytesMeasured: 0,
                      activationBytes: activations, computedTotalBytes: weights + gradients + estimated + activations,
                      peakRSSBytes: nil, rssBeforeStepBytes: nil, stepSeconds: 0, loss: 0, batch: B, sequenceLength: T,
                      layerWise: layerWise, recompute: recompute, bf16Weights: bf16Weights, threads: Threads.count,
                      blasKernel: Threads.blasCoreName)
    }

    /// Builds the model (random weights) and optimizer, then runs one step. `optimizerName` is a factory name,
    /// or `lora` (AdamW on adapters of `lora`'s configuration over a frozen base).
    public static func run(modelName: String, dims d: LlamaDims, tied: Bool, optimizerName: String, options: OptimizerOptions,
                           lora: LoRAConfig?, B: Int, T: Int, layerWise: Bool, recompute: Bool, bf16Weights: Bool,
                           progress: (String) -> Void = { _ in }) throws -> Report {
        let factoryName = lora == nil ? optimizerName : "adamw"
        progress("building the model")
        let model = try TrainBenchmark.model(dims: d, tied: tied, bf16Weights: bf16Weights, lora: lora)
        let optimizer = try OptimizerFactory.make(name: factoryName, options: options)
        let estimated = try OptimizerFactory.estimatedStateBytes(name: factoryName, options: options, shapes: model.trainableShapes)
        let engine = TrainingEngine(model: model, optimizer: optimizer, B: B, T: T, recompute: recompute, layerWise: layerWise,
                                    maxGradNorm: 0, paddingTokenId: nil)
        let batch = TrainBenchmark.randomBatch(V: d.V, B: B, T: T)
        let before = MemoryStats.currentRSS
        progress("one training step")
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = try engine.step([batch], lr: 1e-4)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let computed = model.weightBytes + engine.gradientBytes + estimated + engine.activationBytes
        return Report(model: modelName, optimizer: optimizerName, parameterCount: model.baseParameterCount,
                      trainableParameterCount: model.trainableParameterCount, weightsBytes: model.weightBytes,
                      gradientBytes: engine.gradientBytes, optimizerStateBytes: estimated,
                      optimizerStateBytesMeasured: optimizer.stateBytes, activationBytes: engine.activationBytes,
                      computedTotalBytes: computed, peakRSSBytes: MemoryStats.peakRSS, rssBeforeStepBytes: before,
                      stepSeconds: seconds, loss: r.loss, batch: B, sequenceLength: T, layerWise: layerWise, recompute: recompute,
                      bf16Weights: bf16Weights, threads: Threads.count, blasKernel: Threads.blasCoreName)
    }
}
