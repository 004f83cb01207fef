import EdgeTestSupport
import Foundation
import Testing

/// `edgeagent plan` and `edgeagent eval` on `preset:tiny` (random weights, byte tokenizer): JSON shapes,
/// constrained plans always valid, exit statuses. The minimal prompt keeps the byte-level prompt short.
@Suite struct PlanEvalCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let tiny = ["--model", "preset:tiny", "--prompt-style", "minimal", "--max-tokens", "120"]

    static func json(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(text)")
    }

    @Test func planJSONIsAValidConstrainedPlan() throws {
        let r = try CLI.run(["plan"] + Self.tiny + ["--now", "2025-05-13 11:50", "--json", "Text Sam that I am running late"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try Self.json(r.stdout)
        #expect(Set(o.keys) == ["plan", "steps", "valid", "errors"])
        #expect(o["valid"] as? Bool == true, "\(r.stdout)")
        #expect((o["errors"] as? [Any])?.isEmpty == true)
        let plan = try #require(o["plan"] as? String)
        let steps = try #require(o["steps"] as? [[String: Any]])
        #expect(!steps.isEmpty)
        for (k, step) in steps.enumerated() {
            #expect(Set(step.keys) == ["index", "tool", "args"])
            #expect(step["index"] as? Int == k + 1)
            #expect(step["args"] is [Any])
        }
        #expect(steps.last?["tool"] as? String == "join")
        #expect(plan.hasPrefix("1. "))
        // The same plan scores as valid through `validate`.
        let v = try CLI.run(["validate", "-", "--json"], stdin: plan)
        #expect(v.status == 0)
        #expect(try Self.json(v.stdout)["valid"] as? Bool == true)
    }

    @Test func planPrintsThePlanAndItsValidation() throws {
        let r = try CLI.run(["plan"] + Self.tiny + ["Email Bob the budget"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.trimmingCharacters(in: .whitespaces).hasPrefix("1. "))
        #expect(r.stdout.contains("\nvalid plan: "))
    }

    @Test func emptyRequestIsAUserError() throws {
        let r = try CLI.run(["plan", "--model", "preset:tiny", "   "])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: the request is empty"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stdout.isEmpty)
    }

    @Test func promptBeyondTheContextIsAUserError() throws {
        let long = String(repeating: "Please send the quarterly report to everyone on the team. ", count: 40)
        let r = try CLI.run(["plan", "--model", "preset:tiny", "--prompt-style", "minimal", "--context", "512", long])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: the prompt has "), "\(r.stderr)")
        #expect(r.stderr.contains("context holds 512"))
    }

    @Test func badOptionsAreUsageErrors() throws {
        #expect(try CLI.run(["plan", "--model", "preset:tiny", "--prompt-style", "huge", "hi"]).status == 2)
        #expect(try CLI.run(["plan", "--model", "preset:tiny", "--now", "tomorrow", "hi"]).status == 2)
        #expect(try CLI.run(["eval", "--model", "preset:tiny"]).status == 2)   // --data is required
    }

    /// A data file of the first `count` sample examples in a fresh directory.
    static func sampleData(_ count: Int) throws -> String {
        let lines = try String(contentsOfFile: root.appendingPathComponent("datasets/sample.jsonl").path, encoding: .utf8)
            .split(separator: "\n").prefix(count)
        let dir = try TestSupport.temporaryDirectory("eval-cli")
        let path = dir.appendingPathComponent("data.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func evalJSONReportsTheMetrics() throws {
        let data = try Self.sampleData(4)
        let predictions = (data as NSString).deletingLastPathComponent + "/pred.jsonl"
        let r = try CLI.run(["eval"] + Self.tiny + ["--data", data, "--limit", "3", "--json", "--predictions", predictions])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try Self.json(r.stdout)
        #expect(Set(o.keys) == ["n", "success_rate", "tool_recall", "valid_plan_rate", "mean_edit_distance", "plans_per_s"])
        #expect(o["n"] as? Int == 3)
        #expect(o["valid_plan_rate"] as? Double == 1)
        for key in ["success_rate", "tool_recall"] {
            let v = try #require(o[key] as? Double)
            #expect(v >= 0 && v <= 1)
        }
        #expect((o["mean_edit_distance"] as? Double ?? -1) >= 0)
        #expect((o["plans_per_s"] as? Double ?? 0) > 0)
        #expect(r.stderr.contains("constraint "))
        // One prediction per planned example, in the {"id", "plan", …} form `score` reads.
        let pred = try String(contentsOfFile: predictions, encoding: .utf8).split(separator: "\n")
        #expect(pred.count == 3)
        let first = try Self.json(String(pred[0]))
        #expect(first["id"] as? String == "syn-0-0")
        #expect(first["valid"] as? Bool == true)
        #expect(first["plan"] is String)
    }

    /// `eval --batch 2` plans the same requests as one at a time: same predictions file, same metrics, in order.
    @Test func batchedEvalEqualsOneAtATime() throws {
        let data = try Self.sampleData(5)
        let dir = (data as NSString).deletingLastPathComponent
        var outputs: [String] = []
        for batch in ["1", "2"] {
            let predictions = dir + "/pred-\(batch).jsonl"
            let r = try CLI.run(["eval"] + Self.tiny + ["--data", data, "--batch", batch, "--json", "--predictions", predictions])
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append(try String(contentsOfFile: predictions, encoding: .utf8))
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0].split(separator: "\n").count == 5)
        #expect(try CLI.run(["eval"] + Self.tiny + ["--data", data, "--batch", "0"]).status == 2)
    }

    @Test func unconstrainedEvalOfARandomModelHasInvalidPlans() throws {
        let data = try Self.sampleData(2)
        let r = try CLI.run(["eval"] + Self.tiny + ["--data", data, "--json", "--no-constrain"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try Self.json(r.stdout)
        #expect(o["n"] as? Int == 2)
        #expect((o["valid_plan_rate"] as? Double ?? 1) < 1)
        #expect(!r.stderr.contains("constraint "))
    }

    @Test func evalOfAMissingFileIsAUserError() throws {
        let r = try CLI.run(["eval", "--model", "preset:tiny", "--data", "/nonexistent/data.jsonl"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: "))
    }
}
