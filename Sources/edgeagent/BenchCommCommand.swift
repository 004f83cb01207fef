import ArgumentParser
import EdgeModel
import EdgeOptim
import EdgeTrain
import Foundation

extension BenchCommand {
    /// `edgeagent bench comm`: bytes per data-parallel step (computed from shapes; `finetune --distributed mpi`
    /// measures the same quantity as `comm_bytes_per_step` in summary.json).
    struct Comm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bytes each rank all-reduces/broadcasts per data-parallel finetune step (full vs low-rank gradients).")
        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "adamw, galore, natural-galore, adarankgrad.") var optimizer = OptimizerOptions.defaultOptimizer
        @Option(help: "Projection rank (GaLore family).") var rank = OptimizerOptions.defaultRank
        @Option(help: "Projector refresh period in steps.") var updateGap = OptimizerOptions.defaultUpdateGap
        @Option(help: "Projection type: std, reverse_std, left, right, full.") var projType = OptimizerOptions.defaultProjectionType.rawValue
        @Option(help: "Gradient all-reduce: low-rank (GaLore family) or full.") var gradComm = "low-rank"
        @Option(help: "Ranks (for the ring all-reduce wire estimate).") var ranks = 2

        func run() throws {
            guard ["low-rank", "full"].contains(gradComm) else { throw ValidationError("--grad-comm must be low-rank or full") }
            guard ranks >= 1 else { throw ValidationError("--ranks must be ≥ 1") }
            let checkpoint = try LlamaCheckpoint.open(modelOptions.model)
            let opt = try OptimizerFactory.make(name: optimizer, options: OptimizerOptions.parse([
                "--rank": "\(rank)", "--update-gap": "\(updateGap)", "--proj-type": projType]))
            let e = CommunicationEstimate.compute(dims: checkpoint.config.dims, tied: checkpoint.config.tieWordEmbeddings,
                                                  optimizerName: optimizer, optimizer: opt, lowRank: gradComm == "low-rank",
                                                  rank: rank, updateGap: updateGap, worldSize: ranks)
            if output.json { try Console.printJSON(e); return }
            func mb(_ b: Double) -> String { String(format: "%.1f MB", b / 1e6) }
            print("\(optimizer) (\(e.gradientCommunication)), \(e.parameters) parameters: full \(mb(Double(e.fullBytesPerStep)))/step, "
                  + "between refreshes \(mb(Double(e.lowRankBytesPerStep))), refresh step \(mb(Double(e.refreshStepBytes))), "
                  + "mean \(mb(e.meanBytesPerStep))/step over T=\(updateGap); ring wire ≈ \(mb(e.ringWireBytesPerStep))/step at \(ranks) ranks")
        }
    }
}
