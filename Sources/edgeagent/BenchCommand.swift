import ArgumentParser
import EdgeTensor
import Foundation

/// `edgeagent bench …`: measured speed and memory (never timed tests).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed and memory: BLAS throughput, decode/prefill, training steps.",
        subcommands: [Gemm.self]
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
}
