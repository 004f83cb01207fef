import ArgumentParser
import Dispatch
import EdgeDistributed
import EdgeTrain
import Foundation

/// `--distributed`, `--grad-comm`, `--comm-timeout`: data-parallel fine-tuning across processes started by
/// `mpirun -np N edgeagent finetune --distributed mpi …` (Open MPI, loaded at run time).
struct DistributedOptions: ParsableArguments {
    static let defaultTimeout = 600.0

    @Option(help: "none, or mpi: data parallelism over the ranks mpirun starts (each rank takes its share of every global batch of --batch × ranks).")
    var distributed = "none"
    @Option(help: "Gradient all-reduce: auto, full, low-rank (GaLore family; needs --max-grad-norm 0). auto = low-rank when allowed.")
    var gradComm = "auto"
    @Flag(help: "All-reduce gradients after the backward pass instead of per layer during it (MPI then runs MPI_THREAD_FUNNELED).")
    var noCommOverlap = false
    @Option(help: "Seconds a collective may wait for the other ranks before this rank gives up (0 = forever).")
    var commTimeout = Self.defaultTimeout

    /// The communicator `--distributed` asks for; a clear error when MPI is missing.
    func communicator() throws -> any GradientCommunicator {
        switch distributed {
        case "none":
            return SingleProcess()
        case "mpi":
            guard commTimeout >= 0 else { throw ValidationError("--comm-timeout must be ≥ 0") }
            return try MPICommunicator(timeout: commTimeout, backgroundCollectives: !noCommOverlap) { message in
                Self.fail(message)
                _exit(1)
            }
        default:
            throw ValidationError("--distributed must be none or mpi, got '\(distributed)'")
        }
    }

    /// Low-rank when asked, or (auto) when the optimizer is GaLore-family, clipping is off and there are ranks.
    func gradientCommunication(optimizer: String, maxGradNorm: Double, size: Int) throws -> GradientCommunication {
        let galoreFamily = ["galore", "natural-galore"].contains(optimizer)
        switch gradComm {
        case "auto": return galoreFamily && maxGradNorm == 0 && size > 1 ? .lowRank : .full
        case "full": return .full
        case "low-rank":
            guard galoreFamily else { throw ValidationError("--grad-comm low-rank needs --optimizer galore or natural-galore") }
            return .lowRank
        default: throw ValidationError("--grad-comm must be auto, full or low-rank, got '\(gradComm)'")
        }
    }

    /// mpirun ends the surviving ranks with SIGTERM when one dies: say so in one line and exit 1.
    func reportTermination(rank: Int, checkpoint: String) {
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler {
            Self.fail("rank \(rank): the MPI job was terminated (another rank failed or mpirun was stopped); the last checkpoint in \(checkpoint) is intact — restart with --resume")
            _exit(1)
        }
        source.resume()
        Self.sources.append(source)
    }

    nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []

    static func fail(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}
