import ArgumentParser
import EdgeModel
import EdgeOptim
import EdgeTrain
import Foundation

extension BenchCommand {
    /// `edgeagent bench memory`: computed bytes (weights, gradients, optimizer state, activations) and the
    /// measured peak RSS of one real training step on random tokens.
    struct Memory: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bytes of weights, gradients, optimizer state and activations, and peak RSS of one real training step.")
        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var mode: TrainingModeOptions
        @Option(help: "adamw, galore, natural-galore, adarankgrad, lora.") var optimizer = OptimizerOptions.defaultOptimizer
        @Option(help: "Projection rank (GaLore family) or LoRA rank (default 8).") var rank: Int?
        @Option(help: "Natural GaLore history length s.") var history = OptimizerOptions.defaultHistory
        @Option(help: "Natural GaLore history storage: exact, bf16, int8.") var historyPrecision = OptimizerOptions.defaultHistoryPrecision.rawValue
        @Option(help: "Projection type: std, reverse_std, left, right, full.") var projType = OptimizerOptions.defaultProjectionType.rawValue
        @Option(help: "Optimizer state bits: 32 or 8.") var stateBits = 32
        @Option(help: "Tokens per sequence.") var maxSeq = 512
        @Option(help: "Sequences per step.") var batch = 1
        @Flag(help: "Recompute activations per layer during backward (gradient checkpointing).") var recompute = false
        @Flag(help: "Only compute the bytes (no model, no step, nothing measured).") var estimateOnly = false

        func run() throws {
            try threads.apply()
            let checkpoint = try LlamaCheckpoint.open(modelOptions.model)
            let lora = try mode.lora(optimizer: optimizer, rank: rank)
            let options = try OptimizerOptions.parse([
                "--rank": "\(rank ?? OptimizerOptions.defaultRank)", "--history": "\(history)",
                "--history-precision": historyPrecision, "--proj-type": projType, "--state-bits": "\(stateBits)",
            ])
            if estimateOnly {
                try Console.printJSON(try MemoryBenchmark.estimate(
                    modelName: modelOptions.model, dims: checkpoint.config.dims, tied: checkpoint.config.tieWordEmbeddings,
                    optimizerName: optimizer, options: options, lora: lora, B: batch, T: maxSeq, layerWise: mode.layerWise,
                    recompute: recompute, bf16Weights: mode.bf16Weights))
                return
            }
            let r = try MemoryBenchmark.run(modelName: modelOptions.model, dims: checkpoint.config.dims,
                                            tied: checkpoint.config.tieWordEmbeddings, optimizerName: optimizer, options: options,
                                            lora: lora, B: batch, T: maxSeq, layerWise: mode.layerWise, recompute: recompute,
                                            bf16Weights: mode.bf16Weights) {
                if !output.json { Console.status("bench memory: \($0)") }
            }
            if output.json { try Console.printJSON(r); return }
            Console.clearStatus()
            func gb(_ b: Int?) -> String { String(format: "%.3f GB", Double(b ?? 0) / 1e9) }
            print("weights \(gb(r.weightsBytes))  gradients \(gb(r.gradientBytes))  optimizer state \(gb(r.optimizerStateBytes))"
                  + " (measured \(gb(r.optimizerStateBytesMeasured)))  activations \(gb(r.activationBytes))")
            print("computed total \(gb(r.computedTotalBytes))  peak RSS \(gb(r.peakRSSBytes))  step \(String(format: "%.1f", r.stepSeconds)) s")
        }
    }
}
