import Foundation

/// Every error thrown by EdgePlan. Each case names the file, field, line or tool involved,
/// and the description says what to fix.
public enum EdgePlanError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file or directory could not be read.
    case unreadable(path: String, reason: String)
    /// A tool-schema file is empty.
    case emptySchemaFile(path: String)
    /// A tool-schema file is not valid JSON (`reason` comes from the JSON parser and usually has the line).
    case invalidJSON(path: String, reason: String)
    /// A field of a tool-schema file is missing or wrong; `field` is a path such as `tools[3].arguments[1].type`.
    case schemaField(path: String, field: String, problem: String)
    /// Two schema files (or one file twice) define the same tool.
    case duplicateTool(name: String, path: String, firstPath: String)
    /// A directory given as a tool set holds no `*.json` file.
    case noSchemaFiles(directory: String)
    /// Plan text that does not follow the LLMCompiler format (1-based line and column).
    case syntax(line: Int, column: Int, message: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .emptySchemaFile(let path):
            return "\(path): empty tool-schema file; expected a JSON object {\"tools\": [...]}"
        case .invalidJSON(let path, let reason):
            return "\(path): not valid JSON: \(reason)"
        case .schemaField(let path, let field, let problem):
            return "\(path): field \(field): \(problem)"
        case .duplicateTool(let name, let path, let firstPath):
            return "\(path): tool '\(name)' is already defined in \(firstPath); tool names must be unique across a tool set"
        case .noSchemaFiles(let directory):
            return "\(directory): no *.json tool-schema files in this directory"
        case .syntax(let line, let column, let message):
            return "line \(line), column \(column): \(message)"
        }
    }
}
