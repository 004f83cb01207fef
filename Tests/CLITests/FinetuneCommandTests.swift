import EdgeTestSupport
import Foundation
import Testing

/// `edgeagent finetune` end to end on `preset:tiny` (byte tokenizer, a few steps): the run directory holds what
/// DESIGN.md promises, and the fine-tuned model is prompted as it was trained by `plan` (its recorded style).
@Suite struct FinetuneCommandTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("datasets/sample.jsonl").path

    /// The prompt tokens `plan` reports on stderr (`[N prompt tokens, …]`).
    static func promptTokens(_ stderr: String) -> Int? {
        guard let r = stderr.range(of: #"\[(\d+) prompt tokens"#, options: .regularExpression) else { return nil }
        return Int(stderr[r].dropFirst().prefix { $0.isNumber })
    }

    @Test func runDirectoryAndRecordedPromptStyle() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ft-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let ft = try CLI.run(["finetune", "--model", "preset:tiny", "--data", Self.sample, "--prompt-style", "minimal",
                              "--steps", "3", "--batch", "2", "--max-seq", "1024", "--out", out])
        #expect(ft.status == 0, "\(ft.stderr)")
        for file in ["config.json", "model.safetensors", "summary.json", "train_log.jsonl", "edgeagent_planner.json"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "missing \(file)")
        }
        let log = try String(contentsOfFile: out + "/train_log.jsonl", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 3)
        let record = try String(contentsOfFile: out + "/edgeagent_planner.json", encoding: .utf8)
        #expect(record.contains("\"minimal\""))

        // `plan` on the run directory uses the recorded (minimal) prompt unless told otherwise.
        let args = ["plan", "--model", out, "--now", "2025-05-13 11:50", "--max-tokens", "8", "--no-constrain", "Text Sam hi"]
        let recorded = try CLI.run(args)
        let minimal = try CLI.run(args + ["--prompt-style", "minimal"])
        let compact = try CLI.run(args + ["--prompt-style", "compact"])
        for r in [recorded, minimal, compact] { #expect(r.status == 0, "\(r.stderr)") }
        let n = try #require(Self.promptTokens(recorded.stderr), "\(recorded.stderr)")
        #expect(n == Self.promptTokens(minimal.stderr))
        #expect(n < (Self.promptTokens(compact.stderr) ?? 0))

        // A garbled record is a clear error naming the file.
        try Data("{\"prompt_style\": \"huge\"}".utf8).write(to: URL(fileURLWithPath: out + "/edgeagent_planner.json"))
        let bad = try CLI.run(args)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("edgeagent_planner.json") && bad.stderr.contains("huge"), "\(bad.stderr)")
    }
}
