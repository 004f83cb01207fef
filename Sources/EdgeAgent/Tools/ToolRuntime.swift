import EdgePlan
import Foundation
import GRDB

// Tool runtime:
//
//   AgentTool          schema + side-effect flag + timeout + async body (ToolArguments, ToolContext) → String
//   ToolEnvironment    workspace, database, sub-agents, program search path, clock (shared by all calls)
//   ToolContext        one call's view: environment + model context + original query + dry-run flag
//   ToolRuntime        the table name → AgentTool (TinyAgent's 16 from `.tinyAgent(environment:)`, or any)
//
// Tools return TinyAgent's strings (reference §1.2). A tool *throws* only for what TinyAgent would turn
// into `Error: …! You MUST correct this error and try again!` (bad arguments, sandbox, missing program,
// database failure); the executor does that wrapping.

/// One callable tool.
public struct AgentTool: Sendable {
    /// Default timeout for tools that touch only the database or the workspace.
    public static let defaultTimeout: Double = 30
    /// Default timeout for tools that call the model as a sub-agent (CPU inference is slow).
    public static let subAgentTimeout: Double = 600

    public var schema: ToolSchema
    /// True when the tool changes state (the REPL asks for confirmation; dry runs only describe it).
    public var sideEffects: Bool
    /// Seconds before the executor gives up on the call.
    public var timeout: Double
    public var run: @Sendable (ToolArguments, ToolContext) async throws -> String

    public init(schema: ToolSchema, sideEffects: Bool, timeout: Double = Self.defaultTimeout,
                run: @escaping @Sendable (ToolArguments, ToolContext) async throws -> String) {
        self.schema = schema
        self.sideEffects = sideEffects
        self.timeout = timeout
        self.run = run
    }

    public var name: String { schema.name }
}

/// What every tool call can reach: the workspace, the database, the sub-agents and the clock.
public struct ToolEnvironment: Sendable {
    public var workspace: Workspace
    public var database: ToolDatabase
    public var subAgents: SubAgents
    /// Folders searched for external programs (`pdftotext`); defaults to `$PATH`.
    public var programSearchPath: [String]
    /// The current instant (tests pin it).
    public var clock: @Sendable () -> Date
    /// The last PDF summary, for the joiner's `Finish(Summary)` shortcut.
    public var summaries: SummaryCache

    public init(workspace: Workspace, database: ToolDatabase, subAgents: SubAgents = SubAgents(),
                programSearchPath: [String] = Self.pathFromEnvironment(), clock: @escaping @Sendable () -> Date = { Date() },
                summaries: SummaryCache = SummaryCache()) {
        self.workspace = workspace
        self.database = database
        self.subAgents = subAgents
        self.programSearchPath = programSearchPath
        self.clock = clock
        self.summaries = summaries
    }

    /// A workspace folder with its database (`<root>/.edgeagent/tools.sqlite`, seeded on first use).
    public static func open(workspace root: String, seed: Bool = true) throws(AgentError) -> ToolEnvironment {
        let workspace = try Workspace(root: root)
        return ToolEnvironment(workspace: workspace, database: try ToolDatabase(workspace: workspace, seed: seed))
    }

    /// `$PATH` split on `:`.
    public static func pathFromEnvironment() -> [String] {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
    }

    /// The full path of an executable named `name` on the search path, or nil.
    public func program(_ name: String) -> String? {
        for dir in programSearchPath {
            let path = (dir as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

/// One tool call's context.
public struct ToolContext: Sendable {
    public var environment: ToolEnvironment
    /// The model and trace for sub-agents.
    public var module: ModuleContext
    /// The user's original request (the email sub-agent reads it).
    public var query: String
    /// Describe side effects instead of performing them.
    public var dryRun: Bool

    public init(environment: ToolEnvironment, module: ModuleContext, query: String, dryRun: Bool) {
        self.environment = environment
        self.module = module
        self.query = query
        self.dryRun = dryRun
    }

    public var database: ToolDatabase { environment.database }
    public var workspace: Workspace { environment.workspace }

    /// Now, as a naive local date-time.
    public var now: Date { ToolDates.naive(environment.clock()) }
    /// Now as "YYYY-MM-DD HH:MM:SS".
    public var nowText: String { ToolDates.format(now) }

    /// Performs a logged change (``ToolDatabase/writeLogged(tool:arguments:now:_:)``). Refuses in a dry
    /// run, a safety net under the tools' own dry-run branches.
    public func writeLogged(tool: String, arguments: ToolArguments,
                            _ change: @escaping @Sendable (Database) throws -> String) async throws(AgentError) -> String {
        guard !dryRun else { throw .tool(tool, message: "internal error: \(tool) tried to write during a dry run") }
        return try await database.writeLogged(tool: tool, arguments: arguments.values, now: nowText, change)
    }
}

/// The last summary written by `summarize_pdf`.
public final class SummaryCache: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?

    public init() {}

    public var last: String? { lock.withLock { value } }

    public func store(_ summary: String) { lock.withLock { value = summary } }
}

/// The tools an executor can call, by name.
public struct ToolRuntime: Sendable {
    public private(set) var tools: [String: AgentTool]
    /// The schemas in registration order (the planner's tool list).
    public private(set) var schemas: ToolSet
    public var environment: ToolEnvironment

    /// A runtime of exactly these tools; fails on a duplicate name.
    public init(tools: [AgentTool], environment: ToolEnvironment) throws(AgentError) {
        self.tools = [:]
        self.schemas = ToolSet()
        self.environment = environment
        for tool in tools {
            guard self.tools[tool.name] == nil else { throw .tool(tool.name, message: "tool \(tool.name) registered twice") }
            self.tools[tool.name] = tool
            do { try schemas.add(tool.schema, source: "<runtime>") } catch { throw .tool(tool.name, message: "\(error)") }
        }
    }

    /// TinyAgent's 16 tools on Linux, with schemas from `tools/tinyagent.json` (built into EdgePlan).
    public static func tinyAgent(environment: ToolEnvironment) throws(AgentError) -> ToolRuntime {
        let set: ToolSet
        do { set = try ToolSet.tinyAgent } catch { throw .tool("tools", message: "\(error)") }
        func schema(_ name: String) throws(AgentError) -> ToolSchema {
            guard let s = set[name] else { throw .unknownTool(name) }
            return s
        }
        var tools: [AgentTool] = []
        for name in TinyAgentToolNames.all {
            guard let make = TinyAgentToolNames.factories[name] else { throw .unknownTool(name) }
            tools.append(make(try schema(name)))
        }
        return try ToolRuntime(tools: tools, environment: environment)
    }

    /// Adds or replaces a tool (e.g. a test double).
    public mutating func register(_ tool: AgentTool) throws(AgentError) {
        if tools[tool.name] == nil {
            do { try schemas.add(tool.schema, source: "<runtime>") } catch { throw .tool(tool.name, message: "\(error)") }
        }
        tools[tool.name] = tool
    }

    /// Checks arity and runs `tool` (no timeout here; the executor applies it).
    public func call(_ tool: String, arguments: [PlanValue], context: ToolContext) async throws -> String {
        guard let t = tools[tool] else { throw AgentError.unknownTool(tool) }
        let args = try ToolArguments(schema: t.schema, values: arguments)
        return try await t.run(args, context)
    }

    /// A call context for this runtime.
    public func context(module: ModuleContext, query: String, dryRun: Bool) -> ToolContext {
        ToolContext(environment: environment, module: module, query: query, dryRun: dryRun)
    }
}

/// The TinyAgent tool names in prompt order, and how each is built.
public enum TinyAgentToolNames {
    public static let all = [
        "create_calendar_event", "get_phone_number", "get_email_address", "open_and_get_file_path", "summarize_pdf",
        "compose_new_email", "reply_to_email", "forward_email", "maps_open_location", "maps_show_directions",
        "create_note", "open_note", "append_note_content", "create_reminder", "send_sms", "get_zoom_meeting_link",
    ]

    static let factories: [String: @Sendable (ToolSchema) -> AgentTool] = [
        "create_calendar_event": CalendarTools.createEvent,
        "get_phone_number": ContactTools.phoneNumber,
        "get_email_address": ContactTools.emailAddress,
        "open_and_get_file_path": FileTools.openAndGetFilePath,
        "summarize_pdf": FileTools.summarizePDF,
        "compose_new_email": MailTools.compose,
        "reply_to_email": MailTools.reply,
        "forward_email": MailTools.forward,
        "maps_open_location": MapsTools.openLocation,
        "maps_show_directions": MapsTools.showDirections,
        "create_note": NoteTools.create,
        "open_note": NoteTools.open,
        "append_note_content": NoteTools.append,
        "create_reminder": ReminderTools.create,
        "send_sms": SMSTools.send,
        "get_zoom_meeting_link": ZoomTools.meetingLink,
    ]
}
