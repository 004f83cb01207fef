import EdgeTestSupport
import Foundation
import Testing

/// `edgeagent toolrag train|eval` on generated data, through the built binary.
@Suite struct ToolRAGCommandTests {
    @Test func trainThenEvaluateOnHeldOutTemplates() throws {
        let dir = try TestSupport.temporaryDirectory("edgeagent-toolrag")
        let train = dir.appendingPathComponent("train.jsonl").path, test = dir.appendingPathComponent("test.jsonl").path
        let model = dir.appendingPathComponent("models/toolrag.json").path
        // Evaluated on the unseen split: requests worded by templates that training never sees.
        let heldOut = dir.appendingPathComponent("heldout.jsonl").path
        let generated = try CLI.run(["data", "generate", "--count", "4000", "--seed", "3", "--unseen-fraction", "0.2",
                                     "--out", train, "--test-out", heldOut, "--unseen-out", test])
        #expect(generated.status == 0, "\(generated.stderr)")

        let trained = try CLI.run(["toolrag", "train", "--data", train, "--out", model, "--json"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(trained.stdout.utf8)) as? [String: Any])
        #expect((report["labels"] as? [String])?.count == 16)
        #expect(FileManager.default.fileExists(atPath: model))

        let evaluated = try CLI.run(["toolrag", "eval", "--data", test, "--classifier", model, "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let e = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])
        let recall = try #require(e["recall"] as? Double), tools = try #require(e["mean_tools_selected"] as? Double)
        let saved = try #require(e["mean_prompt_tokens_saved"] as? Double)
        #expect(recall >= 0.95, "held-out recall \(recall)")
        #expect(tools < 8 && saved > 0, "tools \(tools), tokens saved \(saved)")

        // The human-readable form and a user error (exit 1, one line).
        let text = try CLI.run(["toolrag", "eval", "--data", test, "--classifier", model])
        #expect(text.stdout.contains("recall (all gold)"))
        let missing = try CLI.run(["toolrag", "eval", "--data", test, "--classifier", dir.appendingPathComponent("none.json").path])
        #expect(missing.status == 1 && missing.stderr.contains("toolrag train"))
    }
}
