import Foundation

/// One planning example, a line of a dataset JSONL file (DESIGN.md "Data"):
/// `{"id": str, "query": str, "plan": str, "tools": [str], "source": str}` plus an optional `"now"`.
public struct DatasetExample: Sendable, Equatable, Codable {
    public var id: String
    /// The user's request.
    public var query: String
    /// The gold plan, LLMCompiler text ending with `join()` and `<END_OF_PLAN>`.
    public var plan: String
    /// Distinct tools the plan calls, in first-use order, `join` excluded.
    public var tools: [String]
    /// Where the example comes from: `synthetic:<intent>/<template>` or `tinyagent:<file>`.
    public var source: String
    /// The date and time the request was made, `YYYY-MM-DD HH:MM` (for the prompt's "today" line),
    /// needed whenever the query says "tomorrow", "next Friday", …; absent when unknown.
    public var now: String?

    public init(id: String, query: String, plan: String, tools: [String], source: String, now: String? = nil) {
        self.id = id
        self.query = query
        self.plan = plan
        self.tools = tools
        self.source = source
        self.now = now
    }

    /// The template a synthetic example was made from (`source` without the `synthetic:` prefix), else nil.
    public var template: String? {
        source.hasPrefix("synthetic:") ? String(source.dropFirst("synthetic:".count)) : nil
    }
}

/// JSON Lines reading and writing with errors that name the file and line.
public enum JSONLines {
    /// One non-blank line of a JSONL file, parsed as a JSON object.
    public struct Line {
        public var number: Int
        public var object: [String: Any]
    }

    /// The text of `path`, or a typed error.
    public static func readText(_ path: String) throws(DatasetError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw .unreadable(path: path, reason: "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path, reason: "cannot open file") }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable(path: path, reason: "not UTF-8 text") }
        return text
    }

    /// Every non-blank line of `path` as a JSON object; fails on an empty file or a non-object line.
    public static func read(_ path: String) throws(DatasetError) -> [Line] {
        let text = try readText(path)
        var out: [Line] = []
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
            } catch {
                throw .invalidJSON(path: path, line: number, reason: Self.reason(error))
            }
            guard let dict = object as? [String: Any] else {
                throw .invalidJSON(path: path, line: number, reason: "expected an object {…}, got \(Self.kind(object))")
            }
            out.append(Line(number: number, object: dict))
        }
        guard !out.isEmpty else { throw .emptyFile(path: path) }
        return out
    }

    /// A required string field.
    public static func string(_ line: Line, _ field: String, path: String) throws(DatasetError) -> String {
        guard let v = line.object[field], !(v is NSNull) else { throw .missingField(path: path, line: line.number, field: field) }
        guard let s = v as? String else { throw .wrongType(path: path, line: line.number, field: field, expected: "a string") }
        return s
    }

    /// A required array-of-strings field.
    public static func strings(_ line: Line, _ field: String, path: String) throws(DatasetError) -> [String] {
        guard let v = line.object[field], !(v is NSNull) else { throw .missingField(path: path, line: line.number, field: field) }
        guard let a = v as? [Any], let s = a as? [String], a.allSatisfy({ $0 is String }) else {
            throw .wrongType(path: path, line: line.number, field: field, expected: "an array of strings")
        }
        return s
    }

    /// The `{"id", "plan"}` records of a gold or prediction file, with their line numbers; ids must be unique.
    public static func plans(_ path: String) throws(DatasetError) -> [(id: String, plan: String, line: Int)] {
        var seen: [String: Int] = [:]
        var out: [(id: String, plan: String, line: Int)] = []
        for line in try read(path) {
            let id = try string(line, "id", path: path)
            let plan = try string(line, "plan", path: path)
            if let first = seen[id] { throw .duplicateID(path: path, line: line.number, id: id, firstLine: first) }
            seen[id] = line.number
            out.append((id, plan, line.number))
        }
        return out
    }

    /// Reads a dataset file: every line a ``DatasetExample`` (`now` optional), ids unique.
    public static func examples(_ path: String) throws(DatasetError) -> [DatasetExample] {
        var seen: [String: Int] = [:]
        var out: [DatasetExample] = []
        for line in try read(path) {
            let id = try string(line, "id", path: path)
            if let first = seen[id] { throw .duplicateID(path: path, line: line.number, id: id, firstLine: first) }
            seen[id] = line.number
            var now: String?
            if let v = line.object["now"], !(v is NSNull) {
                guard let s = v as? String else { throw .wrongType(path: path, line: line.number, field: "now", expected: "a string") }
                now = s
            }
            out.append(DatasetExample(
                id: id, query: try string(line, "query", path: path), plan: try string(line, "plan", path: path),
                tools: try strings(line, "tools", path: path), source: try string(line, "source", path: path), now: now))
        }
        return out
    }

    /// One compact JSON line per example (keys sorted, `/` unescaped), newline-terminated.
    public static func encode(_ examples: [DatasetExample]) throws(DatasetError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for e in examples {
            do { out.append(try encoder.encode(e)) } catch {
                throw .unwritable(path: "<memory>", reason: "cannot encode example \(e.id): \(error)")
            }
            out.append(0x0A)
        }
        return out
    }

    /// Writes `examples` to `path` as JSONL (creating parent directories).
    public static func write(_ examples: [DatasetExample], to path: String) throws(DatasetError) {
        try write(encode(examples), to: path)
    }

    /// Writes bytes to `path` atomically, creating parent directories.
    public static func write(_ data: Data, to path: String) throws(DatasetError) {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
    }

    private static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return ns.localizedDescription
    }

    private static func kind(_ v: Any) -> String {
        switch v {
        case is String: return "a string"
        case is [Any]: return "an array"
        case is NSNull: return "null"
        case is NSNumber: return "a number"
        default: return "\(type(of: v))"
        }
    }
}
