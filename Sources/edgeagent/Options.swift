import ArgumentParser
import EdgeTensor

/// `--threads N`: one setting that drives OpenBLAS and our own parallel loops (default: all cores).
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for BLAS and our kernels (default: number of cores).")
    var threads: Int?

    func apply() throws {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
            Threads.set(threads)
        } else {
            Threads.set(Threads.cores)
        }
    }
}

/// `--json`: machine-readable output on stdout.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print machine-readable JSON on stdout.")
    var json = false
}
