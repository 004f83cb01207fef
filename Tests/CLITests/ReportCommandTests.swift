import EdgeTestSupport
import Foundation
import Testing

/// `edgeagent report` over run directories (summary.json as `finetune` writes it, eval.json from `eval --result`).
@Suite struct ReportCommandTests {
    static func summaryJSON(optimizer: String, loss: Double, peak: Int) -> String {
        """
        {"activation_bytes": 104857600, "best_loss": \(loss), "examples": 10, "final_loss": \(loss), "gradient_bytes": 52428800,
         "optimizer": "\(optimizer)", "optimizer_state_bytes": 20971520, "parameter_bytes": 52428800, "parameter_count": 13107200,
         "peak_rss_bytes": \(peak), "skipped_too_long": 0, "steps": 3, "tokens_per_s": 1234.5, "wall_s": 95.2}
        """
    }

    /// Runs `a` (AdamW, with a log) and `b` (LoRA, summary only) under a fresh directory.
    static func runs() throws -> URL {
        let root = try TestSupport.temporaryDirectory("report-cli")
        for (name, optimizer, loss) in [("a", "adamw", 0.75), ("b", "lora", 0.9)] {
            let dir = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try summaryJSON(optimizer: optimizer, loss: loss, peak: 300 << 20)
                .write(to: dir.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        }
        let log = (1...3).map { #"{"grad_norm":1,"loss":\#(2.0 / Double($0)),"lr":0.001,"rss":1,"skipped":false,"step":\#($0),"tokens_per_s":1}"# }
        try log.joined(separator: "\n").write(to: root.appendingPathComponent("a/train_log.jsonl"), atomically: true, encoding: .utf8)
        return root
    }

    @Test func reportPrintsTheTableAndWritesThePlots() throws {
        let root = try Self.runs()
        let out = root.appendingPathComponent("report").path
        let r = try CLI.run(["report", "--runs", root.appendingPathComponent("a").path, root.appendingPathComponent("b").path,
                             "--out", out, "--smooth", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("| run | optimizer | success |"))
        #expect(lines[2] == "| a   | adamw     |       – |           – |           – |     0.7500 | 300.0 MiB |        20.0 MiB |   1234.5 |       1:35 |")
        #expect(lines[3].hasPrefix("| b   | lora      |"))
        #expect(try String(contentsOfFile: out + "/report.md", encoding: .utf8).contains(r.stdout))
        for png in ["loss.png", "memory.png"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: out + "/" + png))
            #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            #expect(data.count > 2000)
        }
        #expect(r.stderr.contains("wrote \(out)/report.md"))
    }

    @Test func jsonPrintsTheRows() throws {
        let root = try Self.runs()
        let r = try CLI.run(["report", "--runs", root.appendingPathComponent("a").path, root.appendingPathComponent("b").path,
                             "--out", root.appendingPathComponent("o").path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["run"] as? String } == ["a", "b"])
        #expect(rows[1]["optimizer"] as? String == "lora")
        #expect(rows[0]["final_loss"] as? Double == 0.75)
        #expect(rows[0]["success_rate"] is NSNull)
    }

    @Test func evalResultFeedsTheReport() throws {
        let root = try Self.runs()
        let data = try PlanEvalCommandTests.sampleData(2)
        let result = root.appendingPathComponent("b/eval.json").path
        let e = try CLI.run(["eval"] + PlanEvalCommandTests.tiny + ["--data", data, "--limit", "1", "--result", result])
        #expect(e.status == 0, "\(e.stderr)")
        let o = try PlanEvalCommandTests.json(try String(contentsOfFile: result, encoding: .utf8))
        #expect(Set(o.keys) == ["n", "success_rate", "tool_recall", "valid_plan_rate", "mean_edit_distance", "plans_per_s",
                                "data", "model", "prompt_style", "wall_s"])
        #expect(o["n"] as? Int == 1)
        #expect(o["data"] as? String == data)
        #expect(o["model"] as? String == "preset:tiny")
        #expect(o["prompt_style"] as? String == "minimal")
        #expect((o["wall_s"] as? Double ?? 0) > 0)
        let r = try CLI.run(["report", "--runs", root.appendingPathComponent("b").path, "--out", root.appendingPathComponent("o").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("| b   | lora      |"))
        #expect(r.stdout.contains("100.0%"), "\(r.stdout)")   // valid-plan rate of the constrained plan
    }

    @Test func aMissingSummaryIsAUserErrorNamingTheFile() throws {
        let root = try Self.runs()
        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let r = try CLI.run(["report", "--runs", root.appendingPathComponent("a").path, empty.path, "--out", root.path + "/o"])
        #expect(r.status == 1)
        #expect(r.stderr == "error: \(empty.path)/summary.json is missing (the run has not finished: run or resume `edgeagent finetune` first)\n")
        #expect(r.stdout.isEmpty)
    }

    @Test func usageErrors() throws {
        #expect(try CLI.run(["report"]).status == 2)
        #expect(try CLI.run(["report", "--runs", "/tmp", "--smooth", "0"]).status == 2)
        let help = try CLI.run(["report", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--runs") && help.stdout.contains("memory.png"))
    }
}
