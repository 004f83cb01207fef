import Foundation

/// Reads TinyAgent's released `training_data.json` / `testing_data.json` (reference/tinyagent.md §4):
/// one JSON object keyed by UUID, each value `{"input": query, "output": [DataPoint…], "closest_5_queries"?}`
/// where the `"plan"` DataPoint has `raw_output` (the plan text) and `parsed_output`
/// (`[{"tool_name", "tool_args"}]`). The `"join"` DataPoint is not used here.
public enum TinyAgentImport {
    /// The imported examples and the entries left out (only with `skipInvalid`).
    public struct Result: Sendable {
        public var examples: [DatasetExample]
        /// (UUID key, reason) of each skipped entry.
        public var skipped: [(key: String, reason: String)]
    }

    /// Converts a TinyAgent data file into dataset examples, in the file's key order.
    ///
    /// Each example: `id` = the UUID key, `query` = `input`, `plan` = the plan DataPoint's `raw_output`
    /// with `<END_OF_PLAN>` appended on its own line when absent, `tools` = distinct tools of
    /// `parsed_output` (`join` excluded), `source` = `tinyagent:<file name>`, `now` = the date of the
    /// "Today's date is …" line of `raw_input` when present.
    ///
    /// An entry is invalid when fields are missing or mistyped, a tool is not one of the 16 (or
    /// `join`), or `raw_output` does not parse (TinyAgent's parser) to `parsed_output`'s tools.
    /// Invalid entries throw (with file, line and key) unless `skipInvalid`.
    public static func read(path: String, skipInvalid: Bool = false,
                            tools: Set<String> = TinyAgentParse.toolNames) throws(DatasetError) -> Result {
        let text = try JSONLines.readText(path)
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .emptyFile(path: path) }
        let top: Any
        do {
            top = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw .invalidJSON(path: path, line: 1, reason: (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                               ?? error.localizedDescription)
        }
        guard let entries = top as? [String: Any] else {
            throw .invalidJSON(path: path, line: 1, reason: "expected an object keyed by UUID strings")
        }
        // JSONSerialization forgets key order: recover it (and each key's line) from the text.
        var lines: [String: Int] = [:]
        var keys: [String] = []
        for (k, l) in topLevelKeys(text) where entries[k] != nil && lines[k] == nil {
            lines[k] = l
            keys.append(k)
        }
        keys += entries.keys.filter { lines[$0] == nil }.sorted()
        let name = URL(fileURLWithPath: path).lastPathComponent
        var result = Result(examples: [], skipped: [])
        for key in keys {
            do {
                result.examples.append(try example(key: key, value: entries[key] as Any, source: "tinyagent:\(name)", tools: tools))
            } catch {
                guard skipInvalid else {
                    throw .invalidTinyAgent(path: "\(path):\(lines[key] ?? 1)", key: key, reason: error.message)
                }
                result.skipped.append((key, error.message))
            }
        }
        if result.examples.isEmpty && result.skipped.isEmpty { throw .emptyFile(path: path) }
        return result
    }

    struct EntryError: Error { let message: String }

    static func example(key: String, value: Any, source: String, tools: Set<String>) throws(EntryError) -> DatasetExample {
        guard let entry = value as? [String: Any] else { throw EntryError(message: "expected an object") }
        guard let input = entry["input"] as? String else { throw EntryError(message: "missing string field \"input\"") }
        guard let output = entry["output"] as? [Any] else { throw EntryError(message: "missing array field \"output\"") }
        let points = output.compactMap { $0 as? [String: Any] }
        guard let plan = points.first(where: { ($0["type"] as? String) == "plan" }) else {
            throw EntryError(message: "no DataPoint of type \"plan\" in \"output\"")
        }
        guard let raw = plan["raw_output"] as? String else { throw EntryError(message: "plan DataPoint: missing string \"raw_output\"") }
        guard let parsed = plan["parsed_output"] as? [Any] else {
            throw EntryError(message: "plan DataPoint: \"parsed_output\" must be a list of {\"tool_name\", \"tool_args\"}")
        }
        var names: [String] = []
        for (i, step) in parsed.enumerated() {
            guard let s = step as? [String: Any], let n = s["tool_name"] as? String, s["tool_args"] is [Any] else {
                throw EntryError(message: "parsed_output[\(i)]: expected {\"tool_name\": str, \"tool_args\": [...]}")
            }
            guard tools.contains(n) else { throw EntryError(message: "parsed_output[\(i)]: unknown tool '\(n)'") }
            names.append(n)
        }
        let reparsed = TinyAgentParse.parse(raw, tools: tools)
        if let unknown = reparsed.unknownTool { throw EntryError(message: "raw_output: unknown tool '\(unknown)'") }
        guard reparsed.steps.map(\.tool) == names else {
            throw EntryError(message: "raw_output parses to [\(reparsed.steps.map(\.tool).joined(separator: ", "))] "
                             + "but parsed_output lists [\(names.joined(separator: ", "))]")
        }
        var planText = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if !planText.contains(Plan.endMarker) { planText += "\n" + Plan.endMarker }
        var distinct: [String] = []
        for n in names where n != ToolSet.joinName && !distinct.contains(n) { distinct.append(n) }
        return DatasetExample(id: key, query: input, plan: planText, tools: distinct, source: source,
                              now: now(in: plan["raw_input"] as? String ?? ""))
    }

    /// `YYYY-MM-DD HH:MM` from the planner prompt's " - Today's date is Monday 2024-05-20 14:03" line.
    static func now(in rawInput: String) -> String? {
        // raw_input is a Python repr, so the apostrophe may be escaped (`Today\'s`).
        guard let r = rawInput.range(of: "Today's date is ") ?? rawInput.range(of: "Today\\'s date is ") else { return nil }
        let words = rawInput[r.upperBound...].split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
        guard words.count >= 3 else { return nil }
        let date = words[1], time = words[2].prefix(5)
        let ok = date.count == 10 && date.filter { $0 == "-" }.count == 2 && time.count == 5 && time.dropFirst(2).first == ":"
        return ok ? "\(date) \(time)" : nil
    }

    /// The top-level keys of a JSON object text, in file order, with the 1-based line of each (one pass).
    static func topLevelKeys(_ text: String) -> [(key: String, line: Int)] {
        var out: [(key: String, line: Int)] = []
        var depth = 0, line = 1
        var inString = false, escaped = false
        var stringStart = 0, stringLine = 1
        var pendingKey: (Int, Int, Int)?   // (start, end, line) of a depth-1 string awaiting ':'
        let bytes = Array(text.utf8)
        for (i, b) in bytes.enumerated() {
            if b == 0x0A { line += 1 }
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 {
                    inString = false
                    if depth == 1 { pendingKey = (stringStart, i, stringLine) }
                }
                continue
            }
            switch b {
            case 0x22: inString = true; stringStart = i + 1; stringLine = line
            case 0x7B, 0x5B: depth += 1; pendingKey = nil
            case 0x7D, 0x5D: depth -= 1; pendingKey = nil
            case 0x3A:
                if let (s, e, l) = pendingKey, let key = try? JSONSerialization.jsonObject(
                    with: Data(bytes[(s - 1)...e]), options: [.fragmentsAllowed]) as? String {
                    out.append((key, l))
                }
                pendingKey = nil
            case 0x20, 0x09, 0x0A, 0x0D: break
            default: pendingKey = nil
            }
        }
        return out
    }
}
