/// Errors reading, writing, importing and scoring planning data. Each names the file and, where there
/// is one, the 1-based line, and says what to fix.
public enum DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// The file has no data lines.
    case emptyFile(path: String)
    /// A line is not a JSON object.
    case invalidJSON(path: String, line: Int, reason: String)
    /// A required field is absent.
    case missingField(path: String, line: Int, field: String)
    /// A field has the wrong JSON type.
    case wrongType(path: String, line: Int, field: String, expected: String)
    /// Two lines share an id.
    case duplicateID(path: String, line: Int, id: String, firstLine: Int)
    /// A gold plan calls a tool outside the tool set.
    case unknownTool(path: String, line: Int, tool: String)
    /// A gold plan cannot be scored (no steps, or its DAG cannot be built).
    case invalidPlan(path: String, line: Int, reason: String)
    /// Gold and prediction files hold different ids.
    case mismatchedIDs(goldPath: String, predPath: String, missingInPred: [String], extraInPred: [String])
    /// A TinyAgent dataset file (a JSON object keyed by UUID) has a bad entry.
    case invalidTinyAgent(path: String, key: String, reason: String)
    /// A command-line value out of range (count, fraction, …).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .unwritable(let path, let reason): return "\(path): cannot write: \(reason)"
        case .emptyFile(let path): return "\(path): empty file; expected one JSON object per line"
        case .invalidJSON(let path, let line, let reason): return "\(path):\(line): not a JSON object: \(reason)"
        case .missingField(let path, let line, let field): return "\(path):\(line): missing field \"\(field)\""
        case .wrongType(let path, let line, let field, let expected):
            return "\(path):\(line): field \"\(field)\" must be \(expected)"
        case .duplicateID(let path, let line, let id, let first):
            return "\(path):\(line): duplicate id \"\(id)\" (first on line \(first))"
        case .unknownTool(let path, let line, let tool):
            return "\(path):\(line): gold plan uses unknown tool '\(tool)'; fix the data or add the tool's schema"
        case .invalidPlan(let path, let line, let reason): return "\(path):\(line): \(reason)"
        case .mismatchedIDs(let gold, let pred, let missing, let extra):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) id(s) of \(gold) missing from \(pred): \(Self.list(missing))") }
            if !extra.isEmpty { parts.append("\(extra.count) id(s) of \(pred) not in \(gold): \(Self.list(extra))") }
            return parts.joined(separator: "; ")
        case .invalidTinyAgent(let path, let key, let reason): return "\(path): entry \"\(key)\": \(reason)"
        case .invalidArgument(let message): return message
        }
    }

    /// The first ids, quoted, then "… and N more".
    static func list(_ ids: [String], limit: Int = 10) -> String {
        let shown = ids.prefix(limit).map { "\"\($0)\"" }.joined(separator: ", ")
        return ids.count > limit ? shown + ", … and \(ids.count - limit) more" : shown
    }
}
