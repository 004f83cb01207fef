import Foundation

/// The JSON type of a tool argument or return value, as written in `tools/*.json`:
/// `"string"`, `"integer"`, `"number"`, `"boolean"`, `"any"`, or `"array"` with `"items"`.
public indirect enum ToolValueType: Sendable, Equatable, CustomStringConvertible {
    case string, integer, number, boolean, any
    case array(ToolValueType)

    public var description: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .number: return "number"
        case .boolean: return "boolean"
        case .any: return "any"
        case .array(let items): return "array of \(items)"
        }
    }
}

/// One positional argument of a tool.
public struct ToolArgument: Sendable, Equatable {
    public var name: String
    public var type: ToolValueType
    public var description: String
    /// A required argument must be present and not `None`; an optional one may be `None`,
    /// and may be left out when it and every argument after it are optional.
    public var isRequired: Bool
    /// The value the runtime uses for a left-out optional argument (`nil` for required ones).
    public var defaultValue: PlanValue?

    public init(name: String, type: ToolValueType, description: String,
                isRequired: Bool = true, defaultValue: PlanValue? = nil) {
        self.name = name
        self.type = type
        self.description = description
        self.isRequired = isRequired
        self.defaultValue = defaultValue
    }
}

/// A tool the planner may call: `name(arg1, arg2, …) -> returns`, positional arguments only.
public struct ToolSchema: Sendable, Equatable {
    public var name: String
    /// Text shown to the model; written for a small model (short, concrete).
    public var description: String
    public var arguments: [ToolArgument]
    public var returns: ToolValueType

    public init(name: String, description: String, arguments: [ToolArgument], returns: ToolValueType) {
        self.name = name
        self.description = description
        self.arguments = arguments
        self.returns = returns
    }

    /// The fewest arguments a call may pass: one past the last required argument.
    public var minimumArgumentCount: Int {
        (arguments.lastIndex { $0.isRequired } ?? -1) + 1
    }

    /// `name(a: string, b: array of string) -> string`, the one-line signature used in prompts.
    public var signature: String {
        let args = arguments.map { "\($0.name): \($0.type)\($0.isRequired ? "" : "?")" }
        return "\(name)(\(args.joined(separator: ", "))) -> \(returns)"
    }
}

/// An ordered set of tool schemas, loaded from one `tools/*.json` file or a directory of them.
///
/// `join` is built in: every tool set knows it (no arguments); a file may still declare it, and
/// `join` may appear in several files. Any other name must be unique across the set.
public struct ToolSet: Sendable, Equatable {
    /// The name of the final step of every plan.
    public static let joinName = "join"

    /// Tools in file order (files in ``load(directory:)`` order), without the built-in `join`
    /// unless a file declared it.
    public private(set) var tools: [ToolSchema]
    /// The file each tool came from (by name), for error messages.
    public private(set) var sources: [String: String]
    private var byName: [String: Int]

    /// An empty set (only the built-in `join`).
    public init() {
        tools = []
        sources = [:]
        byName = [:]
    }

    /// A set of the given tools; fails on duplicate names (other than `join`).
    public init(_ tools: [ToolSchema], source: String = "<memory>") throws(EdgePlanError) {
        self.init()
        for tool in tools { try add(tool, source: source) }
    }

    /// The schema of `name`; `join` resolves even when no file declared it.
    public subscript(name: String) -> ToolSchema? {
        if let i = byName[name] { return tools[i] }
        return name == Self.joinName ? Self.builtinJoin : nil
    }

    /// Tool names in order, `join` last (whether declared or built in).
    public var names: [String] {
        tools.map(\.name).filter { $0 != Self.joinName } + [Self.joinName]
    }

    /// The built-in `join()`.
    public static let builtinJoin = ToolSchema(
        name: joinName,
        description: "join() -> string\n - Collects and combines the results of the previous steps. Always the last step.",
        arguments: [], returns: .string)

    /// Adds `tool`; fails if another file already defined that name (a second `join` is ignored).
    public mutating func add(_ tool: ToolSchema, source: String) throws(EdgePlanError) {
        if let first = sources[tool.name] {
            if tool.name == Self.joinName { return }
            throw .duplicateTool(name: tool.name, path: source, firstPath: first)
        }
        byName[tool.name] = tools.count
        sources[tool.name] = source
        tools.append(tool)
    }

    /// This set followed by `other`; fails on a duplicate tool name.
    public func merging(_ other: ToolSet) throws(EdgePlanError) -> ToolSet {
        var merged = self
        for tool in other.tools { try merged.add(tool, source: other.sources[tool.name] ?? "<memory>") }
        return merged
    }

    /// Loads a schema file, or every `*.json` file of a directory (`tinyagent.json` first, then by name).
    public static func load(path: String) throws(EdgePlanError) -> ToolSet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file or directory")
        }
        return isDirectory.boolValue ? try load(directory: path) : try load(file: path)
    }

    /// Loads every `*.json` file of `directory` (`tinyagent.json` first, then by name) into one set.
    public static func load(directory: String) throws(EdgePlanError) -> ToolSet {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .unreadable(path: directory, reason: "\(error.localizedDescription)")
        }
        let files = names.filter { $0.hasSuffix(".json") }
            .sorted { ($0 == "tinyagent.json" ? 0 : 1, $0) < ($1 == "tinyagent.json" ? 0 : 1, $1) }
        guard !files.isEmpty else { throw .noSchemaFiles(directory: directory) }
        var set = ToolSet()
        for file in files {
            set = try set.merging(load(file: (directory as NSString).appendingPathComponent(file)))
        }
        return set
    }

    /// Loads one schema file.
    public static func load(file: String) throws(EdgePlanError) -> ToolSet {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .unreadable(path: file, reason: "cannot open file")
        }
        return try decode(data, path: file)
    }

    /// Parses schema-file bytes; `path` names the file in errors.
    public static func decode(_ data: Data, path: String) throws(EdgePlanError) -> ToolSet {
        try ToolSchemaFile.decode(data, path: path)
    }

    /// The 16 TinyAgent tools plus `join`, from the copy of `tools/tinyagent.json` compiled into
    /// EdgePlan (``TinyAgentTools/json``), so no path is needed.
    public static var tinyAgent: ToolSet {
        get throws(EdgePlanError) { try builtInTinyAgent.get() }
    }

    private static let builtInTinyAgent = Result { () throws(EdgePlanError) -> ToolSet in
        try decode(Data(TinyAgentTools.json.utf8), path: "tools/tinyagent.json (built in)")
    }
}
