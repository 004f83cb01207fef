import Foundation

/// The collective operations data-parallel training needs, over a group of `size` ranks (processes or, in
/// tests, threads). Every rank must make the same calls in the same order with equal buffer lengths.
///
/// Sums, not means: the trainer scales each rank's gradient by 1/(global target tokens) before the sum, so
/// the reduced gradient is the gradient of the mean loss over the global batch (see `TrainingEngine`).
public protocol GradientCommunicator: AnyObject, Sendable {
    /// This rank, 0 ..< size. Rank 0 writes logs and checkpoints.
    var rank: Int { get }
    var size: Int { get }
    /// x ← Σ over ranks of x (element-wise), on every rank.
    func allreduceSum(_ x: inout [Float]) throws
    func allreduceSum(_ x: inout [Double]) throws
    /// x ← rank `root`'s x, on every rank.
    func broadcast(_ x: inout [Float], root: Int) throws
    func barrier() throws
    /// True when collectives may be called from a thread other than the one that created the communicator
    /// (one thread at a time), so training can all-reduce on a communication thread during backward.
    var allowsBackgroundCollectives: Bool { get }
    /// Payload bytes this rank has passed to collectives so far (all-reduce and broadcast buffers, 4 bytes a
    /// Float, 8 a Double). Wire traffic depends on the algorithm: a ring all-reduce sends ≈ 2(N−1)/N × payload.
    var payloadBytes: Int { get }
}

extension GradientCommunicator {
    /// x ← mean over ranks of x.
    public func allreduceMean(_ x: inout [Float]) throws {
        try allreduceSum(&x)
        guard size > 1 else { return }
        let s = 1 / Float(size)
        for i in x.indices { x[i] *= s }
    }

    /// Σ over ranks of one number.
    public func sum(_ v: Double) throws -> Double {
        var a = [v]
        try allreduceSum(&a)
        return a[0]
    }

    /// True on every rank when `flag` is true on any rank (e.g. a stop request seen by one process).
    public func any(_ flag: Bool) throws -> Bool { try sum(flag ? 1 : 0) > 0 }

    public var isDistributed: Bool { size > 1 }
}

/// Errors of the distributed runtime: each says what failed and what to do.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// libmpi could not be loaded (the build does not link it; it is opened at run time).
    case mpiUnavailable(String)
    /// An MPI call failed.
    case mpi(String)
    /// Ranks disagree (e.g. different buffer lengths or settings).
    case mismatch(String)

    public var description: String {
        switch self {
        case .mpiUnavailable(let reason):
            return "MPI not available: install openmpi-bin libopenmpi-dev (\(reason))"
        case .mpi(let m):
            return "MPI error: \(m); another rank has probably failed — see its message above"
        case .mismatch(let m):
            return "ranks disagree: \(m); start every rank with the same arguments"
        }
    }
}

/// One process, no communication: every collective is the identity.
public final class SingleProcess: GradientCommunicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduceSum(_ x: inout [Float]) throws {}
    public func allreduceSum(_ x: inout [Double]) throws {}
    public func broadcast(_ x: inout [Float], root: Int) throws {}
    public func barrier() throws {}
    public var allowsBackgroundCollectives: Bool { true }
    public var payloadBytes: Int { 0 }
}
