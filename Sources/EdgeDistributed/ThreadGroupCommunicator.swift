import Foundation

/// `size` ranks that are threads of one process (for tests of data-parallel code without mpirun): run one
/// thread per rank, each with its own `member(rank)`. Sums are taken in rank order, so results do not depend
/// on which thread arrives first.
public final class ThreadGroup: @unchecked Sendable {
    public let size: Int
    private let condition = NSCondition()
    fileprivate var floats: [[Float]]
    fileprivate var doubles: [[Double]]
    /// The combined value (or failure) of the collective being drained.
    private var outcome: Result<Any, DistributedError>?
    private var arrived = 0, departed = 0, generation = 0
    private var draining = false

    public init(size: Int) {
        precondition(size >= 1, "a group needs at least one rank")
        self.size = size
        floats = Array(repeating: [], count: size)
        doubles = Array(repeating: [], count: size)
    }

    public func member(_ rank: Int) -> ThreadGroupCommunicator {
        precondition((0..<size).contains(rank), "rank \(rank) of \(size)")
        return ThreadGroupCommunicator(group: self, rank: rank)
    }

    /// One collective: deposit, wait for everyone, read the combined value, wait for everyone to have read it.
    func exchange<T>(_ rank: Int, _ x: inout [T], store: ReferenceWritableKeyPath<ThreadGroup, [[T]]>,
                     combine: ([[T]]) -> [T]) throws {
        condition.lock()
        defer { condition.unlock() }
        while draining { condition.wait() }
        self[keyPath: store][rank] = x
        arrived += 1
        let g = generation
        if arrived == size {
            let all = self[keyPath: store]
            if Set(all.map(\.count)).count == 1 {
                outcome = .success(combine(all))
            } else {
                outcome = .failure(.mismatch("collective buffer lengths \(all.map(\.count))"))
            }
            draining = true
            condition.broadcast()
        } else {
            while !(draining && generation == g) { condition.wait() }
        }
        let mine = outcome!
        departed += 1
        if departed == size {
            self[keyPath: store] = Array(repeating: [], count: size)
            (arrived, departed, draining, generation, outcome) = (0, 0, false, generation + 1, nil)
            condition.broadcast()
        }
        x = try mine.get() as! [T]
    }
}

/// One rank of a `ThreadGroup`.
public final class ThreadGroupCommunicator: GradientCommunicator, @unchecked Sendable {
    public let group: ThreadGroup
    public let rank: Int
    public var size: Int { group.size }
    private let lock = NSLock()
    private var bytes = 0

    init(group: ThreadGroup, rank: Int) { (self.group, self.rank) = (group, rank) }

    public var payloadBytes: Int { lock.withLock { bytes } }
    public var allowsBackgroundCollectives: Bool { true }

    public func allreduceSum(_ x: inout [Float]) throws {
        lock.withLock { bytes += x.count * 4 }
        try group.exchange(rank, &x, store: \.floats, combine: Self.rankOrderedSum)
    }

    public func allreduceSum(_ x: inout [Double]) throws {
        lock.withLock { bytes += x.count * 8 }
        try group.exchange(rank, &x, store: \.doubles, combine: Self.rankOrderedSum)
    }

    /// Σ over ranks, added in rank order (so every replica gets bitwise the same sum).
    static func rankOrderedSum<T: AdditiveArithmetic>(_ all: [[T]]) -> [T] {
        var s = all[0]
        for r in 1..<all.count { for i in s.indices { s[i] += all[r][i] } }
        return s
    }

    public func broadcast(_ x: inout [Float], root: Int) throws {
        lock.withLock { bytes += x.count * 4 }
        try group.exchange(rank, &x, store: \.floats) { all in all[root] }
    }

    public func barrier() throws {
        var none: [Double] = []
        try group.exchange(rank, &none, store: \.doubles) { _ in [] }
    }
}
