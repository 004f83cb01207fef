import CMPIShim
import Foundation

/// Open MPI over MPI_COMM_WORLD, loaded at run time (`CMPIShim` dlopens libmpi.so.40, so builds need no MPI).
///
/// With `backgroundCollectives` MPI is initialised MPI_THREAD_SERIALIZED and calls are serialised inside the
/// shim, so a communication thread may run collectives while the main thread computes; without it,
/// MPI_THREAD_FUNNELED (only the creating thread calls MPI). A watchdog bounds every collective: if one has not returned
/// after `timeout` seconds (a peer died or hangs and mpirun did not end the job), `onTimeout` is called with
/// a one-line message, from the watchdog thread; it is expected not to return (print and exit).
public final class MPICommunicator: GradientCommunicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public let timeout: Double
    public let allowsBackgroundCollectives: Bool
    private let lock = NSLock()
    private var bytes = 0
    /// Start time (uptime ns) and name of the collective in flight, if any.
    private var inFlight: (UInt64, String)?
    private var finalized = false

    /// MPI_Init (once per process) and the rank/size of MPI_COMM_WORLD.
    public init(timeout: Double = 600, backgroundCollectives: Bool = true, onTimeout: @escaping @Sendable (String) -> Void) throws {
        allowsBackgroundCollectives = backgroundCollectives
        guard edge_mpi_load() == 0 else { throw DistributedError.mpiUnavailable(String(cString: edge_mpi_last_error())) }
        guard edge_mpi_init(backgroundCollectives ? 2 : 1) == 0 else { throw DistributedError.mpi(String(cString: edge_mpi_last_error())) }
        var r: Int32 = 0, s: Int32 = 0
        guard edge_mpi_rank(&r) == 0, edge_mpi_size(&s) == 0 else { throw DistributedError.mpi(String(cString: edge_mpi_last_error())) }
        (rank, size, self.timeout) = (Int(r), Int(s), timeout)
        if timeout > 0 { startWatchdog(onTimeout) }
    }

    /// True when this process was started by mpirun/mpiexec (Open MPI sets OMPI_COMM_WORLD_SIZE).
    public static var launchedByMPI: Bool { ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil }

    public var payloadBytes: Int { lock.withLock { bytes } }

    public func allreduceSum(_ x: inout [Float]) throws {
        try collective("MPI_Allreduce", bytes: x.count * 4) {
            x.withUnsafeMutableBufferPointer { edge_mpi_allreduce_sum_float($0.baseAddress, $0.count) }
        }
    }

    public func allreduceSum(_ x: inout [Double]) throws {
        try collective("MPI_Allreduce", bytes: x.count * 8) {
            x.withUnsafeMutableBufferPointer { edge_mpi_allreduce_sum_double($0.baseAddress, $0.count) }
        }
    }

    public func broadcast(_ x: inout [Float], root: Int) throws {
        try collective("MPI_Bcast", bytes: x.count * 4) {
            x.withUnsafeMutableBufferPointer { edge_mpi_bcast_float($0.baseAddress, $0.count, Int32(root)) }
        }
    }

    public func barrier() throws {
        try collective("MPI_Barrier", bytes: 0) { edge_mpi_barrier() }
    }

    /// MPI_Finalize (after the last collective; every rank must call it).
    public func finalize() throws {
        let done = lock.withLock { () -> Bool in defer { finalized = true }; return finalized }
        if done { return }
        guard edge_mpi_finalize() == 0 else { throw DistributedError.mpi(String(cString: edge_mpi_last_error())) }
    }

    /// Ends every rank of the job (MPI_Abort); for fatal errors on one rank that others would wait on forever.
    public func abort(code: Int32) { edge_mpi_abort(code) }

    private func collective(_ name: String, bytes n: Int, _ call: () -> Int32) throws {
        lock.withLock { inFlight = (DispatchTime.now().uptimeNanoseconds, name); bytes += n }
        let rc = call()
        lock.withLock { inFlight = nil }
        guard rc == 0 else { throw DistributedError.mpi(String(cString: edge_mpi_last_error())) }
    }

    private func startWatchdog(_ onTimeout: @escaping @Sendable (String) -> Void) {
        let t = Thread { [weak self] in
            while true {
                Thread.sleep(forTimeInterval: min(1, max(0.05, (self?.timeout ?? 1) / 10)))
                guard let self else { return }
                let (stuck, done) = self.lock.withLock { () -> ((String, Double)?, Bool) in
                    guard let (start, name) = self.inFlight else { return (nil, self.finalized) }
                    let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    return (s > self.timeout ? (name, s) : nil, self.finalized)
                }
                if done { return }
                if let (name, s) = stuck {
                    onTimeout("rank \(self.rank): \(name) has not completed after \(Int(s)) s (timeout \(Int(self.timeout)) s): another rank has died or hangs")
                    return
                }
            }
        }
        t.name = "mpi-watchdog"
        t.start()
    }
}
