import Foundation

/// A fine-tuned model remembers the prompt style it was trained with: `finetune` writes
/// `edgeagent_planner.json` (`{"prompt_style": "minimal"}`) into the model directory, and `plan`, `eval`,
/// `repl` and `serve` use that style unless `--prompt-style` says otherwise — so a planner is always
/// prompted exactly as it was trained.
extension PlanningPrompt {
    /// The file name inside a model directory.
    public static let recordFileName = "edgeagent_planner.json"

    private struct Record: Codable {
        var promptStyle: String
        enum CodingKeys: String, CodingKey { case promptStyle = "prompt_style" }
    }

    /// Writes the record into `directory` (atomically).
    public static func record(style: Style, inModelDirectory directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(Record(promptStyle: style.rawValue))
        try data.write(to: URL(fileURLWithPath: directory).appendingPathComponent(recordFileName), options: .atomic)
    }

    /// The style recorded in the model directory `model`, nil when `model` is not a directory or has no record.
    /// A record that cannot be read or names an unknown style is an error naming the file.
    public static func recordedStyle(model: String) throws -> Style? {
        let path = URL(fileURLWithPath: model).appendingPathComponent(recordFileName).path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path),
              let record = try? JSONDecoder().decode(Record.self, from: data) else {
            throw PromptTemplateError.badStyleRecord(path: path, reason: "expected {\"prompt_style\": \"compact|full|minimal\"}")
        }
        guard let style = Style(rawValue: record.promptStyle) else {
            throw PromptTemplateError.badStyleRecord(path: path, reason: "unknown prompt_style \"\(record.promptStyle)\"")
        }
        return style
    }

    /// `explicit` (a `--prompt-style` value) if given, else the model's recorded style, else `fallback`.
    public static func resolveStyle(explicit: String?, model: String?, fallback: Style = .compact) throws -> Style {
        if let explicit {
            guard let s = Style(rawValue: explicit) else { throw PromptTemplateError.invalidStyle(explicit) }
            return s
        }
        if let model, let recorded = try recordedStyle(model: model) { return recorded }
        return fallback
    }
}
