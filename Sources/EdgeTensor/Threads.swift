import CBLAS
import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One thread setting for the whole process: it drives OpenBLAS and our own parallel loops.
///
/// `edgeagent --threads N` calls `Threads.set(N)` once at start-up; kernels read `Threads.count`.
public enum Threads {
    /// Logical CPUs available to this process.
    public static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    nonisolated(unsafe) private static var current = 0

    /// Threads used by BLAS and `parallelFor` (defaults to `cores` until `set` is called).
    public static var count: Int { current > 0 ? current : cores }

    /// Sets the thread count for OpenBLAS and our loops. `n` must be ≥ 1.
    public static func set(_ n: Int) {
        precondition(n >= 1, "thread count must be at least 1, got \(n)")
        current = n
        openblas_set_num_threads(Int32(n))
    }

    /// Pool workers spin this long for the next job before sleeping: `.long` (the default) for decode, whose jobs
    /// come back to back; `.short` for training, where OpenBLAS's own threads run between our jobs and a spinning
    /// worker would take their cores (measured on `bench train`: 1.84 → 1.48 s per GaLore step of preset:small).
    public enum PoolSpin { case long, short }

    public static func setPoolSpin(_ spin: PoolSpin) { ek_set_spin(spin == .long ? -1 : 4000) }

    /// The training setting of `setBLASIdleSpin`: 2^16 cycles (≈ 25 µs), long enough to bridge back-to-back GEMMs.
    /// Measured on `bench train --model preset:small --optimizer adamw`, four alternating pairs against OpenBLAS's
    /// default: 1.05–1.15× tokens/s.
    public static let trainingBLASIdleSpin = 16

    /// The other half of `.short` for training: OpenBLAS's idle threads spin about 2^log2Cycles cycles (default
    /// 2^28, a tenth of a second) calling sched_yield before they sleep, so between two GEMMs they hold the cores
    /// our own parallel loops need. `edgeagent finetune` and `bench train` set a short spin at start-up. Only call
    /// it before other threads use BLAS (it restarts OpenBLAS's workers); returns false when OpenBLAS offers no
    /// such control, and leaves a user's OPENBLAS_THREAD_TIMEOUT alone.
    @discardableResult
    public static func setBLASIdleSpin(log2Cycles: Int) -> Bool {
        if getenv("OPENBLAS_THREAD_TIMEOUT") != nil { return false }
        return edge_openblas_set_idle_spin(Int32(log2Cycles)) == 1
    }

    /// OpenBLAS's kernel family in use (e.g. "Haswell", "Cooperlake"); benchmarks report it.
    public static var blasCoreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS build configuration string.
    public static var blasConfig: String { String(cString: openblas_get_config()) }
}

/// Wraps a value (typically an unsafe pointer) so it can cross into a `@Sendable` closure.
/// The caller guarantees that concurrent uses touch disjoint memory.
public struct UnsafeSendable<T>: @unchecked Sendable {
    public let value: T
    @inlinable public init(_ value: T) { self.value = value }
}

/// Runs `body(chunkStart, chunkEnd)` over `0..<count` split into at most `Threads.count` contiguous chunks,
/// on the persistent spinning pool of CKernels (`ek_parallel`), so even ~10 µs loops parallelise well.
/// With one thread (or little work) it runs inline.
public func parallelFor(_ count: Int, minChunk: Int = 1, _ body: @Sendable (Int, Int) -> Void) {
    let threads = min(Threads.count, max(1, count / max(1, minChunk)))
    if threads <= 1 || count <= 1 {
        body(0, count)
        return
    }
    let chunk = (count + threads - 1) / threads
    withoutActuallyEscaping(body) { escapable in
        let box = ParallelJob(count: count, chunk: chunk, body: escapable)
        withExtendedLifetime(box) {
            ek_parallel(Int32(threads), parallelTrampoline, Unmanaged.passUnretained(box).toOpaque())
        }
    }
}

/// The closure and split of one `parallelFor` call, passed to C as an opaque pointer.
final class ParallelJob {
    let count: Int, chunk: Int
    let body: (Int, Int) -> Void
    init(count: Int, chunk: Int, body: @escaping (Int, Int) -> Void) { (self.count, self.chunk, self.body) = (count, chunk, body) }
}

private let parallelTrampoline: @convention(c) (UnsafeMutableRawPointer?, Int32, Int32) -> Void = { ctx, t, _ in
    let job = Unmanaged<ParallelJob>.fromOpaque(ctx!).takeUnretainedValue()
    let start = Int(t) * job.chunk
    let end = min(job.count, start + job.chunk)
    if start < end { job.body(start, end) }
}
