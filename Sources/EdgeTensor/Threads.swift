import CBLAS
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

/// Runs `body(chunkStart, chunkEnd)` over `0..<count` split into at most `Threads.count` contiguous chunks.
/// With one thread (or little work) it runs inline, so small loops pay no dispatch cost.
@inlinable
public func parallelFor(_ count: Int, minChunk: Int = 1, _ body: @Sendable (Int, Int) -> Void) {
    let threads = min(Threads.count, max(1, count / max(1, minChunk)))
    if threads <= 1 || count <= 1 {
        body(0, count)
        return
    }
    let chunk = (count + threads - 1) / threads
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        let start = t * chunk
        let end = min(count, start + chunk)
        if start < end { body(start, end) }
    }
}
