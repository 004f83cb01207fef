import EdgeTensor
import Synchronization
import Testing

@Suite(.serialized) struct ThreadsTests {
    /// Every index is visited exactly once, across many back-to-back jobs (the pool's fast path) and after
    /// pauses long enough for workers to fall asleep (the slow path).
    @Test func parallelForCoversEachIndexOnce() async throws {
        for round in 0..<3000 {
            let n = 1 + round % 97
            let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
            hits.initialize(repeating: 0)
            let p = UnsafeSendable(hits)
            parallelFor(n) { lo, hi in for i in lo..<hi { p.value[i] += 1 } }
            #expect(hits.allSatisfy { $0 == 1 }, "round \(round)")
            hits.deallocate()
            if round % 1000 == 999 { try await Task.sleep(for: .milliseconds(30)) }   // let workers sleep
        }
    }

    @Test func nestedParallelForRunsSerially() {
        let total = Atomic<Int>(0)
        parallelFor(4) { lo, hi in
            parallelFor(10) { a, b in total.add(b - a, ordering: .relaxed) }
            _ = (lo, hi)
        }
        // Nested calls run inline: each outer chunk adds exactly 10.
        let chunks = min(Threads.count, 4)
        #expect(total.load(ordering: .relaxed) == 10 * chunks)
    }
}
