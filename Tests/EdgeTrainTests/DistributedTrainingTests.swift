import EdgeDistributed
import EdgeModel
import EdgeOptim
import EdgeTensor
import EdgeTrain
import Foundation
import Testing

/// Data parallelism without mpirun: ranks are threads (`ThreadGroup`). The mpirun end-to-end tests are
/// CLITests/DistributedFinetuneTests.
@Suite struct DistributedTrainingTests {
    /// Runs `body(rank)` on `n` threads and returns the results in rank order.
    final class Results<T>: @unchecked Sendable {
        var values: [Result<T, any Error>?]
        init(_ n: Int) { values = Array(repeating: nil, count: n) }
    }

    static func onRanks<T: Sendable>(_ n: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let box = Results<T>(n)
        let lock = NSLock(), group = DispatchGroup()
        for r in 0..<n {
            group.enter()
            Thread {
                let v = Result { try body(r) }
                lock.withLock { box.values[r] = v }
                group.leave()
            }.start()
        }
        group.wait()
        return try box.values.map { try $0!.get() }
    }

    @Test func threadGroupSumsInRankOrderAndBroadcasts() throws {
        let g = ThreadGroup(size: 3)
        let out = try Self.onRanks(3) { r -> ([Float], [Double], [Float], Int) in
            let c = g.member(r)
            var x: [Float] = [Float(r + 1), r == 0 ? 1e8 : 1]
            try c.allreduceSum(&x)
            var d = [Double(r) * 0.5]
            try c.allreduceSum(&d)
            var b: [Float] = [Float(r), Float(r)]
            try c.broadcast(&b, root: 2)
            try c.barrier()
            return (x, d, b, c.payloadBytes)
        }
        for (x, d, b, bytes) in out {
            #expect(x == [6, (1e8 as Float) + 1 + 1])   // rank order: (1e8 + 1) + 1, each rounded
            #expect(d == [1.5])
            #expect(b == [2, 2])
            #expect(bytes == 8 + 8 + 8)
        }
        // Unequal lengths are an error on every rank, not a hang.
        let g2 = ThreadGroup(size: 2)
        let errors = try Self.onRanks(2) { r -> String in
            var x = [Float](repeating: 1, count: r + 1)
            do { try g2.member(r).allreduceSum(&x); return "no error" } catch { return "\(error)" }
        }
        for e in errors { #expect(e.contains("ranks disagree: collective buffer lengths [1, 2]"), "\(e)") }
    }

    @Test func shardsSplitEachGlobalBatchAndShareThePosition() throws {
        let encoder = ChatExampleEncoder(tokenizer: try ByteTokenizer(), template: .chatML)
        let examples = try (0..<9).map { try encoder.encode([.user(String(repeating: "x", count: $0 + 1)), .assistant("a\($0)")]) }
        var one = try BatchLoader(examples: examples, batchSize: 4, maxSeq: 64, seed: 3, padToken: 256)
        var shards = try (0..<2).map { try BatchLoader(examples: examples, batchSize: 2, maxSeq: 64, seed: 3, padToken: 256, shard: $0, of: 2) }
        func rows(_ b: Batch) -> [[Int32]] {
            (0..<b.B).map { i in Array(b.tokens[i * b.T ..< (i + 1) * b.T].reversed().drop { $0 == 256 }.reversed()) }
        }
        for _ in 0..<5 {   // 20 examples: crosses two epoch boundaries
            let all = rows(one.next()), s0 = rows(shards[0].next()), s1 = rows(shards[1].next())
            #expect(s0 == [all[0], all[2]] && s1 == [all[1], all[3]])
            #expect(shards[0].position == one.position && shards[1].position == one.position)
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var optimizer: String, lowRank: Bool, layerWise: Bool, overlap: Bool, lora = false
        var testDescription: String {
            "\(optimizer)\(lora ? " LoRA" : "") \(lowRank ? "low-rank" : "full")\(layerWise ? " layer-wise" : "")\(overlap ? " overlap" : "")"
        }
    }

    /// Two thread-ranks, each with half of every batch, against one engine on the whole batch: the replicas stay
    /// bitwise identical and match the single engine to float rounding, in every communication form.
    @Test(arguments: [
        Case(optimizer: "adamw", lowRank: false, layerWise: false, overlap: false),
        Case(optimizer: "adamw", lowRank: false, layerWise: false, overlap: true),
        Case(optimizer: "galore", lowRank: true, layerWise: false, overlap: true),
        Case(optimizer: "galore", lowRank: true, layerWise: true, overlap: true),
        Case(optimizer: "natural-galore", lowRank: true, layerWise: true, overlap: false),
        Case(optimizer: "galore", lowRank: false, layerWise: true, overlap: true),
        Case(optimizer: "adamw", lowRank: false, layerWise: true, overlap: true, lora: true),   // adapters: no overlap
    ])
    func twoRanksMatchOneEngine(_ c: Case) throws {
        let d = LlamaConfig.tiny.dims, (B, T, steps) = (4, 16, 5)
        var rng = SplitMix64(seed: 11)
        let data: [(tokens: [Int32], targets: [Int32])] = (0..<steps).map { _ in
            let tokens = (0..<B * T).map { _ in Int32(rng.nextInt(below: 256)) }
            let targets = (0..<B * T).map { i in i % T == T - 1 || i % 5 == 0 ? -1 : tokens[i + 1] }
            return (tokens, targets)
        }
        let options = try OptimizerOptions.parse(["--rank": "4", "--update-gap": "2", "--damping": "0.1", "--history-precision": "exact"])
        @Sendable func engine(_ comm: any GradientCommunicator, batch: Int) throws -> TrainingEngine {
            let model = try TrainableModel(dims: d, parameters: .random(d, tied: false, seed: 5), lora: c.lora ? LoRAConfig(rank: 4) : nil,
                                           loraSeed: 9)
            return TrainingEngine(model: model, optimizer: try OptimizerFactory.make(name: c.optimizer, options: options), B: batch, T: T,
                                  recompute: false, layerWise: c.layerWise, maxGradNorm: c.lowRank ? 0 : 1, paddingTokenId: nil,
                                  communicator: comm, gradientCommunication: c.lowRank ? .lowRank : .full, overlapCommunication: c.overlap)
        }
        let single = try engine(SingleProcess(), batch: B)
        var losses: [Double] = []
        for s in data { losses.append(try single.step([Batch(tokens: s.tokens, targets: s.targets, batch: B, length: T)], lr: 1e-2).loss) }

        let group = ThreadGroup(size: 2)
        @Sendable func trainable(_ m: TrainableModel) -> [Tensor] {   // base weights, or LoRA adapters
            var out: [Tensor] = []
            m.forEachTrainable { _, t in out.append(t) }
            return out
        }
        let ranks = try Self.onRanks(2) { r -> ([Double], [Tensor], Int) in
            let e = try engine(group.member(r), batch: B / 2)
            var l: [Double] = []
            for s in data {   // rank r keeps rows r, r + 2
                let rows = [r, r + 2]
                let tokens = rows.flatMap { s.tokens[$0 * T ..< ($0 + 1) * T] }, targets = rows.flatMap { s.targets[$0 * T ..< ($0 + 1) * T] }
                l.append(try e.step([Batch(tokens: tokens, targets: targets, batch: B / 2, length: T)], lr: 1e-2).loss)
            }
            return (l, trainable(e.model), e.communicator.payloadBytes)
        }
        #expect(!ranks[0].1.isEmpty && ranks[0].1.count == trainable(single.model).count)
        let replicasEqual = ranks[0].1 == ranks[1].1   // (a Bool, so a failure does not print every weight)
        #expect(replicasEqual, "the two ranks' weights diverged")
        #expect(ranks[0].0 == ranks[1].0)
        for (a, b) in zip(losses, ranks[0].0) { #expect(abs(a - b) <= 1e-6 * abs(a), "loss \(a) vs \(b)") }
        var worst = 0.0
        for (t, theirs) in zip(trainable(single.model), ranks[0].1) {
            let diff = zip(t.scalars, theirs.scalars).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            worst = max(worst, (diff / max(t.norm * t.norm, 1e-30)).squareRoot())
        }
        #expect(worst <= 1e-5, "weights differ by \(worst) relative")
        // Low-rank communication sends less than full gradients every step would.
        let full = steps * single.model.trainableParameterCount * 4
        if c.lowRank { #expect(ranks[0].2 < full) } else { #expect(ranks[0].2 >= full) }
    }
}
