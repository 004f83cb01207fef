import EdgeTestSupport
import Foundation
import Testing

/// `edgeagent data generate --train-only`: extra training data that never holds a test request.
@Suite struct DataCommandTests {
    private func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func trainOnlyMixHoldsNoTestOrUnseenRequest() throws {
        let dir = try TestSupport.temporaryDirectory("edgeagent-data")
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let base = try CLI.run(["data", "generate", "--count", "3000", "--seed", "0", "--out", path("train.jsonl"),
                                "--test-out", path("test.jsonl"), "--unseen-out", path("unseen.jsonl")])
        #expect(base.status == 0, "\(base.stderr)")
        let mix = try CLI.run(["data", "generate", "--count", "3000", "--seed", "1", "--compound-fraction", "0.4",
                               "--train-only", "--out", path("mix.jsonl")])
        #expect(mix.status == 0, "\(mix.stderr)")

        let examples = try lines(path("mix.jsonl"))
        // About 10 % of the train-template requests are test and are dropped; no unseen requests are made.
        #expect((2500...2900).contains(examples.count), "\(examples.count) examples")
        // --compound-fraction is the chance of trying a second request; pairs of one intent and plans over six
        // steps are redrawn, so about 34 % of the examples come out compound at 0.4 (12 % at the default 0.15).
        let compound = examples.filter { ($0["source"] as? String)?.contains("+") == true }.count
        #expect((0.30...0.38).contains(Double(compound) / Double(examples.count)), "\(compound) compound of \(examples.count)")

        // `data split` recovers the split from each example alone: everything is train.
        let split = try CLI.run(["data", "split", "--data", path("mix.jsonl"), "--train", path("a.jsonl"),
                                 "--test", path("b.jsonl"), "--unseen", path("c.jsonl")])
        #expect(split.status == 0, "\(split.stderr)")
        #expect(try lines(path("a.jsonl")).count == examples.count)
        #expect(try lines(path("b.jsonl")).isEmpty && lines(path("c.jsonl")).isEmpty)

        // And no request of seed 0's test split occurs in the mix.
        let test = Set(try lines(path("test.jsonl")).compactMap { $0["query"] as? String })
        #expect(!test.isEmpty)
        #expect(examples.allSatisfy { !test.contains($0["query"] as? String ?? "") })
    }

    @Test func trainOnlyWithTestOutIsAUsageError() throws {
        let dir = try TestSupport.temporaryDirectory("edgeagent-data")
        let r = try CLI.run(["data", "generate", "--count", "10", "--train-only", "--out", dir.appendingPathComponent("a.jsonl").path,
                             "--test-out", dir.appendingPathComponent("b.jsonl").path])
        #expect(r.status != 0 && r.stderr.contains("--train-only"), "\(r.stderr)")
    }
}
