import EdgeTensor

/// A batch ready for `LlamaTraining`: (B, T) tokens and targets, row-major, padded with −1 targets.
public struct Batch: Sendable, Equatable {
    public var tokens: [Int32]
    public var targets: [Int32]
    public var B: Int
    public var T: Int
    public var targetCount: Int { targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}

/// Seeded, resumable stream of batches over examples.
///
/// Each epoch visits the kept examples in a fresh order (Fisher–Yates with SplitMix64 seeded by
/// seed ⊕ epoch), B at a time; a batch is padded to its longest example rounded up to a multiple of 8.
/// With `groupByLength` (Hugging Face's `group_by_length`), each window of `lengthGroupWindow` batches of
/// the shuffled order is sorted by length, cut into batches, and the batches are shuffled again: batches
/// hold examples of similar length, so less of every step is padding, while the visiting order stays random.
/// Examples longer than `maxSeq` are skipped and counted, never cut. The position (epoch, cursor) is the
/// whole state, so a resumed run sees exactly the batches an uninterrupted one would.
public struct BatchLoader: Sendable {
    public struct Position: Codable, Sendable, Equatable {
        public var epoch = 0
        public var cursor = 0
        public init(epoch: Int = 0, cursor: Int = 0) { (self.epoch, self.cursor) = (epoch, cursor) }
    }

    public let examples: [TrainingExample]
    public let B: Int
    public let maxSeq: Int
    public let seed: UInt64
    public let padToken: Int32
    /// Data parallelism: this loader's shard (rank) of `shardCount`. Every shard walks the same order through
    /// global batches of B·shardCount examples and keeps examples shardIndex, shardIndex + shardCount, …, so
    /// the position is the same on every rank and the union of the shards is the single-process batch.
    public let shardIndex: Int
    public let shardCount: Int
    /// Batches are formed from examples of similar length (see the type's documentation).
    public let groupByLength: Bool
    /// Batches per length-sorting window (Hugging Face's megabatch multiplier).
    public static let lengthGroupWindow = 50
    /// Examples dropped for being longer than `maxSeq`.
    public let skippedTooLong: Int
    public private(set) var position = Position()
    private var order: [Int] = []

    /// Throws `TrainError.noUsableExamples` when every example is longer than `maxSeq` (or there are none).
    /// `batchSize` is per shard (per rank): a global batch holds `batchSize · shardCount` examples.
    public init(examples all: [TrainingExample], batchSize: Int, maxSeq: Int, seed: UInt64, padToken: Int32,
                shard shardIndex: Int = 0, of shardCount: Int = 1, groupByLength: Bool = false) throws {
        precondition(batchSize >= 1 && maxSeq >= 2, "batch size and max sequence must be positive")
        precondition(shardCount >= 1 && (0..<shardCount).contains(shardIndex), "shard \(shardIndex) of \(shardCount)")
        (self.shardIndex, self.shardCount, self.groupByLength) = (shardIndex, shardCount, groupByLength)
        let kept = all.filter { $0.count <= maxSeq && $0.targetCount > 0 }
        guard !kept.isEmpty else {
            throw TrainError.noUsableExamples(total: all.count, maxSeq: maxSeq,
                                              shortest: all.map(\.count).min() ?? 0)
        }
        examples = kept
        B = batchSize
        self.maxSeq = maxSeq
        self.seed = seed
        self.padToken = padToken
        skippedTooLong = all.filter { $0.count > maxSeq }.count
        order = makeOrder(epoch: 0)
    }

    /// Longest padded length any batch can have (for sizing training buffers).
    public var maxBatchLength: Int { min(maxSeq, Self.roundUp(examples.map(\.count).max() ?? 1)) }

    static func roundUp(_ n: Int) -> Int { (n + 7) / 8 * 8 }

    /// Mean tokens per example and the share of padding in the batches of the current epoch (for the run's log).
    public var paddingSummary: (meanTokens: Double, paddingFraction: Double) {
        let global = B * shardCount
        var real = 0, padded = 0
        for start in stride(from: 0, to: order.count, by: global) {
            let lengths = order[start..<min(order.count, start + global)].map { examples[$0].count }
            real += lengths.reduce(0, +)
            padded += lengths.count * min(maxSeq, Self.roundUp(lengths.max()!))
        }
        return (Double(real) / Double(order.count), 1 - Double(real) / Double(max(padded, 1)))
    }

    static func shuffle(_ a: inout [Int], _ rng: inout SplitMix64) {
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, rng.nextInt(below: i + 1)) }
    }

    /// The visiting order of one epoch: a seeded shuffle, then (with `groupByLength`) length grouping.
    func makeOrder(epoch: Int) -> [Int] {
        var rng = SplitMix64(seed: seed ^ (0x9E37_79B9 &* UInt64(epoch + 1)))
        var order = Array(0..<examples.count)
        Self.shuffle(&order, &rng)
        guard groupByLength else { return order }
        let global = B * shardCount, window = global * Self.lengthGroupWindow
        var grouped: [Int] = []
        grouped.reserveCapacity(order.count)
        for start in stride(from: 0, to: order.count, by: window) {
            let chunk = order[start..<min(order.count, start + window)].enumerated()
                .sorted { (examples[$0.element].count, $0.offset) > (examples[$1.element].count, $1.offset) }
                .map(\.element)
            var batches = Array(0..<((chunk.count + global - 1) / global))
            Self.shuffle(&batches, &rng)
            for b in batches { grouped += chunk[(b * global)..<min(chunk.count, (b + 1) * global)] }
        }
        return grouped
    }

    /// Moves to a saved position (resume).
    public mutating func seek(to p: Position) {
        position = p
        order = makeOrder(epoch: p.epoch)
    }

    /// The next batch (wrapping into the next epoch as needed).
    public mutating func next() -> Batch {
        var picked: [TrainingExample] = []
        for i in 0 ..< B * shardCount {
            if position.cursor >= order.count {
                seek(to: Position(epoch: position.epoch + 1, cursor: 0))
            }
            if i % shardCount == shardIndex { picked.append(examples[order[position.cursor]]) }
            position.cursor += 1
        }
        let T = min(maxSeq, Self.roundUp(picked.map(\.count).max()!))
        var tokens = [Int32](repeating: padToken, count: B * T), targets = [Int32](repeating: -1, count: B * T)
        for (b, e) in picked.enumerated() {
            for t in 0..<e.count {
                tokens[b * T + t] = e.tokens[t]
                targets[b * T + t] = e.targets[t]
            }
        }
        return Batch(tokens: tokens, targets: targets, B: B, T: T)
    }
}
