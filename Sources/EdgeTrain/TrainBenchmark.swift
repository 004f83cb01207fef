import Dispatch
import EdgeModel
import EdgeOptim
import EdgeTensor

/// `edgeagent bench train`: tokens/s and peak RSS of full training steps (forward, backward, optimizer)
/// on random tokens, median of `runs` steps after `warmup` steps (more when the optimizer needs them to reach
/// its steady state, e.g. a full Natural GaLore history).
public enum TrainBenchmark {
    public struct Report: Codable, Sendable {
        public var tokensPerSecond: Double
        public var medianStepSeconds: Double
        /// Median seconds of the optimizer updates within a step (part of `medianStepSeconds`).
        public var medianOptimizerSeconds: Double
        /// Warm-up steps run before timing (at least the optimizer's `stepsToSteadyState`).
        public var warmupSteps: Int
        public var peakRSSBytes: Int?
        public var parameterCount: Int
        public var batch: Int
        public var sequenceLength: Int
        public var threads: Int
        public var blasKernel: String
        public var optimizer: String
        public var flopsPerToken: Double
        /// Achieved GFLOPS (6·N + attention per token × tokens/s).
        public var achievedGflops: Double
        enum CodingKeys: String, CodingKey {
            case tokensPerSecond = "tokens_per_s", medianStepSeconds = "median_step_s", medianOptimizerSeconds = "median_optimizer_s"
            case warmupSteps = "warmup_steps", peakRSSBytes = "peak_rss_bytes"
            case parameterCount = "parameter_count", batch, sequenceLength = "seq", threads, blasKernel = "blas_kernel"
            case optimizer, flopsPerToken = "flops_per_token", achievedGflops = "achieved_gflops"
        }
    }

    /// Training FLOPs per token: 6 per weight of every matmul (forward 2, backward 4) plus causal attention
    /// (QKᵀ and PV: 2·2·T·hd·NH per token forward, ×3 with backward, halved for causality).
    public static func flopsPerToken(_ d: LlamaDims, T: Int, tied: Bool) -> Double {
        let perLayer = Double(d.C * (2 * d.qDim + 2 * d.kvDim) + 3 * d.C * d.F)
        let head = Double(d.V * d.C)
        let attention = 3.0 * 4.0 * Double(T) * Double(d.qDim) / 2
        return 6 * (perLayer * Double(d.L) + head) + attention * Double(d.L)
    }

    /// The model a benchmark trains: random weights (seed 1), BF16 storage generated directly when asked
    /// (the F32 model never exists), LoRA adapters when `lora` is given.
    public static func model(dims d: LlamaDims, tied: Bool, bf16Weights: Bool, lora: LoRAConfig?) throws -> TrainableModel {
        if bf16Weights {
            return try TrainableModel(dims: d, bf16: LlamaParametersBF16.random(d, tied: tied, seed: 1), lora: lora, loraSeed: 1)
        }
        return try TrainableModel(dims: d, parameters: LlamaParameters.random(d, tied: tied, seed: 1), lora: lora, loraSeed: 1)
    }

    /// A batch of random tokens (seed 2) with next-token targets.
    public static func randomBatch(V: Int, B: Int, T: Int) -> Batch {
        var rng = SplitMix64(seed: 2)
        let tokens = (0..<(B * T)).map { _ in Int32(rng.nextInt(below: V)) }
        var targets = Array(tokens.dropFirst()) + [-1]
        for b in 0..<B { targets[b * T + T - 1] = -1 }
        return Batch(tokens: tokens, targets: targets, B: B, T: T)
    }

    public static func run(dims d: LlamaDims, tied: Bool, B: Int, T: Int, optimizer: any Optimizer, optimizerName: String,
                           recompute: Bool = false, layerWise: Bool = false, bf16Weights: Bool = false, lora: LoRAConfig? = nil,
                           warmup: Int = 2, runs: Int = 5, progress: (String) -> Void = { _ in }) throws -> Report {
        let model = try model(dims: d, tied: tied, bf16Weights: bf16Weights, lora: lora)
        let engine = TrainingEngine(model: model, optimizer: optimizer, B: B, T: T, recompute: recompute, layerWise: layerWise,
                                    maxGradNorm: 0, paddingTokenId: nil)
        let batch = randomBatch(V: d.V, B: B, T: T)
        let warmup = max(warmup, optimizer.stepsToSteadyState)
        var times: [Double] = [], optimizerTimes: [Double] = []
        for i in 0..<(warmup + runs) {
            progress("step \(i + 1)/\(warmup + runs)")
            let t0 = DispatchTime.now().uptimeNanoseconds, o0 = engine.optimizerSeconds
            _ = try engine.step([batch], lr: 1e-4)
            if i >= warmup {
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                optimizerTimes.append(engine.optimizerSeconds - o0)
            }
        }
        let median = times.sorted()[times.count / 2]
        let tps = Double(B * T) / median
        let fpt = flopsPerToken(d, T: T, tied: tied)
        return Report(tokensPerSecond: tps, medianStepSeconds: median, medianOptimizerSeconds: optimizerTimes.sorted()[runs / 2],
                      warmupSteps: warmup, peakRSSBytes: MemoryStats.peakRSS,
                      parameterCount: model.baseParameterCount, batch: B, sequenceLength: T, threads: Threads.count,
                      blasKernel: Threads.blasCoreName, optimizer: optimizerName, flopsPerToken: fpt,
                      achievedGflops: fpt * tps / 1e9)
    }
}
