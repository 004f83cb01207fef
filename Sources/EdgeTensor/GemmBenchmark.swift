import Dispatch
import Foundation

/// `edgeagent bench gemm`: BLAS throughput and memory bandwidth of this machine, at 1 and N threads.
public enum GemmBenchmark {
    /// One measured case.
    public struct Case: Codable, Sendable {
        public var name: String
        public var m: Int, k: Int, n: Int
        public var threads: Int
        /// 2·m·n·k / median seconds / 1e9.
        public var gflops: Double
        public var medianSeconds: Double
        enum CodingKeys: String, CodingKey {
            case name, m, k, n, threads, gflops, medianSeconds = "median_s"
        }
    }

    /// Streaming read bandwidth over a buffer.
    public struct Bandwidth: Codable, Sendable {
        public var threads: Int
        public var bytes: Int
        public var gbPerSecond: Double
        enum CodingKeys: String, CodingKey { case threads, bytes, gbPerSecond = "gb_per_s" }
    }

    public struct Report: Codable, Sendable {
        public var blasKernel: String
        public var blasConfig: String
        public var openblasCoretypeEnv: String?
        public var cores: Int
        public var cpuMHz: Double?
        /// AVX-512 FMA: 2 pipes × 16 lanes × 2 flops per cycle per core (Zen 4/5, Skylake-X class).
        public var fp32FlopsPerCycle: Int
        public var peakGflopsPerCoreAtReportedClock: Double?
        public var gemm: [Case]
        public var bandwidth: [Bandwidth]
        enum CodingKeys: String, CodingKey {
            case blasKernel = "blas_kernel", blasConfig = "blas_config", openblasCoretypeEnv = "openblas_coretype_env"
            case cores, cpuMHz = "cpu_mhz", fp32FlopsPerCycle = "fp32_flops_per_cycle"
            case peakGflopsPerCoreAtReportedClock = "peak_gflops_per_core_at_reported_clock", gemm, bandwidth
        }
    }

    /// Median wall time of `runs` calls of `body` after one warm-up call.
    public static func medianSeconds(runs: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<runs {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// Runs the shapes of the issue: sgemm 2048³ and 512×576·576×1536, sgemv 1×2048·2048×5632, and a
    /// streaming read of `bandwidthBytes` — at 1 thread and at `threads`. Restores the thread setting.
    public static func run(threads: Int, bandwidthBytes: Int = 1 << 30, progress: (String) -> Void = { _ in }) -> Report {
        let saved = Threads.count
        defer { Threads.set(saved) }
        var cases: [Case] = []
        var bands: [Bandwidth] = []
        let threadCounts = threads == 1 ? [1] : [1, threads]
        var rng = SplitMix64(seed: 1)
        let shapes = [("sgemm", 2048, 2048, 2048), ("sgemm", 512, 576, 1536), ("sgemv", 1, 2048, 5632)]
        var inputs: [(Tensor, Tensor)] = shapes.map { (_, m, k, n) in
            (Tensor.uniform([m, k], rng: &rng), Tensor.uniform([k, n], rng: &rng))
        }
        // sgemv runs W(n×k)·x: store the 2048×5632 weight as 5632 rows of 2048 (the decode layout).
        inputs[2].1 = Tensor.uniform([5632, 2048], rng: &rng)
        for t in threadCounts {
            Threads.set(t)
            for (i, (name, m, k, n)) in shapes.enumerated() {
                progress("\(name) \(m)×\(k)·\(k)×\(n), \(t) thread(s)")
                let (a, b) = inputs[i]
                var c = Tensor(zeros: [m, n])
                let flops = 2.0 * Double(m * n * k)
                let runs = flops > 1e9 ? 8 : 50
                let s = a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            medianSeconds(runs: runs) {
                                if name == "sgemv" {
                                    Float.gemv(transA: false, m: n, n: k, alpha: 1, a: pb.baseAddress!, lda: k,
                                               x: pa.baseAddress!, beta: 0, y: pc.baseAddress!)
                                } else {
                                    Float.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                               a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n,
                                               beta: 0, c: pc.baseAddress!, ldc: n)
                                }
                            }
                        }
                    }
                }
                cases.append(Case(name: name, m: m, k: k, n: n, threads: t, gflops: flops / s / 1e9, medianSeconds: s))
            }
            progress("bandwidth \(bandwidthBytes >> 20) MiB, \(t) thread(s)")
            bands.append(Bandwidth(threads: t, bytes: bandwidthBytes, gbPerSecond: readBandwidth(bytes: bandwidthBytes)))
        }
        let mhz = cpuMHz()
        return Report(blasKernel: Threads.blasCoreName, blasConfig: Threads.blasConfig,
                      openblasCoretypeEnv: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
                      cores: Threads.cores, cpuMHz: mhz, fp32FlopsPerCycle: 64,
                      peakGflopsPerCoreAtReportedClock: mhz.map { $0 * 64 / 1000 },
                      gemm: cases, bandwidth: bands)
    }

    /// GB/s of a SIMD sum over `bytes` of Floats, split across `Threads.count` threads (median of 5).
    public static func readBandwidth(bytes: Int) -> Double {
        let n = bytes / 4
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1)
        let base = UnsafeSendable(UnsafePointer(buffer.baseAddress!))
        let sink = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        defer { sink.deallocate() }
        let out = UnsafeSendable(sink)
        let s = medianSeconds(runs: 5) {
            let chunks = Threads.count
            parallelFor(chunks) { lo, hi in
                for c in lo..<hi {
                    let start = c * (n / chunks) & ~63, end = c == chunks - 1 ? n : (c + 1) * (n / chunks) & ~63
                    var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
                    var i = start
                    let p = base.value
                    while i + 64 <= end {
                        a0 += Kernels.load(p, i); a1 += Kernels.load(p, i + 16)
                        a2 += Kernels.load(p, i + 32); a3 += Kernels.load(p, i + 48)
                        i += 64
                    }
                    out.value[c] = (a0 + a1 + a2 + a3).sum()
                }
            }
        }
        return Double(bytes) / s / 1e9
    }

    static func cpuMHz() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("cpu MHz") {
            return line.split(separator: ":").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        }
        return nil
    }
}
