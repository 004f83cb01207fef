import ArgumentParser
import EdgeInference
import EdgeModel
import EdgeOptim
import EdgeTrain
import EdgeTensor
import Foundation

/// `edgeagent bench …`: measured speed and memory (never timed tests).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed and memory: BLAS throughput, decode/prefill, training steps.",
        subcommands: [Gemm.self, Decode.self, Prefill.self, Train.self, Memory.self, Comm.self]
    )

    struct Gemm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "GFLOPS of sgemm/sgemv and memory bandwidth, at 1 and N threads.")
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Bytes streamed by the bandwidth test (default 1 GiB).")
        var bandwidthBytes = 1 << 30

        func run() throws {
            try threads.apply()
            let report = GemmBenchmark.run(threads: Threads.count, bandwidthBytes: bandwidthBytes) { step in
                if !output.json { Console.status("bench gemm: \(step)") }
            }
            if output.json {
                try Console.printJSON(report)
                return
            }
            Console.clearStatus()
            print("BLAS kernel: \(report.blasKernel)  (OPENBLAS_CORETYPE=\(report.openblasCoretypeEnv ?? "unset"))")
            for c in report.gemm {
                print(String(format: "%@ %5d×%-5d·%5d×%-5d  %d thread(s)  %8.1f GFLOPS  (%.4f s)",
                             c.name, c.m, c.k, c.k, c.n, c.threads, c.gflops, c.medianSeconds))
            }
            for b in report.bandwidth {
                print(String(format: "read bandwidth  %d thread(s)  %6.1f GB/s", b.threads, b.gbPerSecond))
            }
            if let peak = report.peakGflopsPerCoreAtReportedClock {
                print(String(format: "theoretical FP32 peak per core at the reported %.0f MHz: %.0f GFLOPS (boost clocks go higher)",
                             report.cpuMHz ?? 0, peak))
            }
            if report.blasKernel == "Haswell" {
                print("note: OpenBLAS uses its AVX2 (Haswell) kernels; on AVX-512 CPUs run with `env -u OPENBLAS_CORETYPE` for ~2× sgemm")
            }
        }
    }

    /// Shared by `bench decode` and `bench prefill` (both report both numbers; the name says which one matters).
    struct InferenceOptions: ParsableArguments {
        @Option(help: "Prompt tokens for prefill.") var promptTokens = 128
        @Option(help: "Tokens decoded one at a time.") var decodeTokens = 128
        @Option(help: "Measured runs (median), after one warm-up.") var runs = 5

        func validate() throws {
            guard promptTokens >= 1, decodeTokens >= 1 else { throw ValidationError("--prompt-tokens and --decode-tokens must be at least 1") }
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
        }
    }

    static func runInference(_ modelOptions: ModelOptions, _ quantize: QuantizeOptions, _ threads: ThreadOptions, _ o: InferenceOptions,
                             json: Bool) throws {
        try threads.apply()
        let m = try modelOptions.load(quantize: quantize)
        let r = try InferenceBenchmark.run(model: m.model, promptTokens: o.promptTokens, decodeTokens: o.decodeTokens, runs: o.runs) {
            if !json { Console.status("bench: \($0)") }
        }
        if json { try Console.printJSON(r); return }
        Console.clearStatus()
        print(String(format: "prefill %.1f tok/s (%d tokens), decode %.1f tok/s (%d tokens, %.1f GB/s of weights), %d threads, BLAS %@",
                     r.prefillTokensPerSecond, r.promptTokens, r.decodeTokensPerSecond, r.decodeTokens,
                     r.decodeWeightGBPerSecond, r.threads, r.blasKernel))
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decode tokens/s (one token at a time through the KV cache).")
        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var quantize: QuantizeOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: InferenceOptions
        func run() throws { try BenchCommand.runInference(modelOptions, quantize, threads, options, json: output.json) }
    }

    struct Prefill: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prefill tokens/s (the prompt in one batched pass).")
        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var quantize: QuantizeOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: InferenceOptions
        func run() throws { try BenchCommand.runInference(modelOptions, quantize, threads, options, json: output.json) }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tokens/s and peak RSS of full training steps (forward, backward, optimizer) on random tokens.")
        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var mode: TrainingModeOptions
        @Option(help: "adamw, galore, natural-galore, adarankgrad, lora.") var optimizer = OptimizerOptions.defaultOptimizer
        @Option(help: "Projection rank (GaLore family) or LoRA rank (default 8).") var rank: Int?
        @Option(help: "Tokens per sequence.") var maxSeq = 256
        @Option(help: "Sequences per step.") var batch = 4
        @Option(help: "Measured steps (median), after 2 warm-up steps (Natural GaLore: as many as its history holds).") var runs = 5
        @Flag(help: "Recompute activations per layer during backward.") var recompute = false

        func validate() throws {
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
            guard maxSeq >= 2, batch >= 1 else { throw ValidationError("--max-seq must be at least 2 and --batch at least 1") }
        }

        func run() throws {
            try threads.apply()
            Threads.setBLASIdleSpin(log2Cycles: Threads.trainingBLASIdleSpin)
            let checkpoint = try LlamaCheckpoint.open(modelOptions.model)
            let lora = try mode.lora(optimizer: optimizer, rank: rank)
            let opt = try OptimizerFactory.make(name: lora == nil ? optimizer : "adamw",
                                                options: OptimizerOptions.parse(["--rank": "\(rank ?? OptimizerOptions.defaultRank)"]))
            let r = try TrainBenchmark.run(dims: checkpoint.config.dims, tied: checkpoint.config.tieWordEmbeddings, B: batch, T: maxSeq,
                                           optimizer: opt, optimizerName: optimizer, recompute: recompute, layerWise: mode.layerWise,
                                           bf16Weights: mode.bf16Weights, lora: lora, runs: runs) {
                if !output.json { Console.status("bench train: \($0)") }
            }
            if output.json { try Console.printJSON(r); return }
            Console.clearStatus()
            print(String(format: "train %.0f tokens/s (%.3f s/step of which optimizer %.3f s, %.0f GFLOPS achieved), peak RSS %.2f GB, %d threads, BLAS %@",
                         r.tokensPerSecond, r.medianStepSeconds, r.medianOptimizerSeconds, r.achievedGflops, Double(r.peakRSSBytes ?? 0) / 1e9, r.threads, r.blasKernel))
        }
    }
}
