import EdgePlan
import Foundation

// The interactive loop behind `edgeagent repl`, kept free of the terminal so tests can drive it:
//
//   REPLConsole   injected line reader (prompt → line, nil at end of input), output sink, history
//   REPLOptions   confirmation on/off (`--yes`), prompt text
//   REPL          reads a line; `:command`s or a request → Agent (plan streams, steps, answer)
//   REPLPrinter   turns AgentEvents into the plan / run / answer sections (REPLPrinter.swift)
//
// The CLI supplies a readline-backed console (ReplCommand.swift); tests supply scripted lines.

/// The REPL's terminal, injected: readline in the CLI, a list of lines in tests.
public struct REPLConsole: Sendable {
    /// Shows `prompt` and reads one line (without its newline); nil at end of input (Ctrl-D).
    public var readLine: @Sendable (_ prompt: String) async -> String?
    /// Writes text exactly as given (callers add newlines). Must be thread-safe.
    public var write: @Sendable (String) -> Void
    /// Records a request in the line-editing history.
    public var addHistory: @Sendable (String) -> Void

    public init(readLine: @escaping @Sendable (String) async -> String?, write: @escaping @Sendable (String) -> Void,
                addHistory: @escaping @Sendable (String) -> Void = { _ in }) {
        self.readLine = readLine
        self.write = write
        self.addHistory = addHistory
    }
}

/// REPL settings.
public struct REPLOptions: Sendable {
    /// The request prompt.
    public static let defaultPrompt = "edgeagent> "

    /// Ask (y/n) before each side-effecting tool call; false is `--yes`. Ignored in dry runs.
    public var confirm: Bool
    public var prompt: String

    public init(confirm: Bool = true, prompt: String = Self.defaultPrompt) {
        self.confirm = confirm
        self.prompt = prompt
    }
}

/// What the loop does after a line.
public enum REPLAction: Sendable, Equatable {
    case `continue`
    case quit
}

/// The read–eval–print loop: each line is a `:command` or a request for the ``Agent``.
///
/// A request prints, in order: `=== plan ===` and the planner's text as it streams (one section per
/// planning round), `=== run ===` and one line per finished step, with a `[y/N]` question before every
/// side-effecting call unless ``REPLOptions/confirm`` is off, then `=== answer ===` and the joined answer.
/// An invalid plan is shown with its errors and is never run. Errors (empty request, context overflow,
/// model failure) print `error: …` and the loop goes on.
///
/// Commands: `:help`, `:tools` (the runtime's tools; `*` marks those ToolRAG put in the last prompt),
/// `:trace` (the last request's model calls; `:trace -v` adds prompts and outputs), `:quit`
/// (also `:q`, `:exit`, and end of input).
public actor REPL {
    /// Command names and help lines, in `:help` order.
    public static let commands: [(name: String, help: String)] = [
        (":help", "show this help"),
        (":tools", "list the tools (* = described in the last request's prompt, ! = changes state)"),
        (":trace", "show the last request's model calls (:trace -v adds prompts and outputs)"),
        (":quit", "leave (also :q, :exit or Ctrl-D)"),
    ]

    public let model: any LanguageModel
    public let console: REPLConsole
    public let options: REPLOptions
    private let agent: Agent
    private let selections = SelectionRecorder()
    /// The trace of the last request, for `:trace`.
    public private(set) var lastTrace: Trace?

    /// A REPL running `agent` with `model`. The agent's approval hook is replaced by a console question
    /// when ``REPLOptions/confirm`` is on; its ToolRAG selector (if any) is wrapped to remember choices.
    public init(agent: Agent, model: any LanguageModel, console: REPLConsole, options: REPLOptions = REPLOptions()) {
        self.model = model
        self.console = console
        self.options = options
        var agent = agent
        if options.confirm {
            let gate = ConfirmationGate(console: console)
            agent.executor.approve = { tool, arguments in await gate.ask(tool: tool, arguments: arguments) }
        } else {
            agent.executor.approve = nil
        }
        if let select = agent.selectTools {
            let recorder = selections
            agent.selectTools = { query, tools in
                let chosen = select(query, tools)
                recorder.store(chosen.names.filter { $0 != ToolSet.joinName })
                return chosen
            }
        }
        self.agent = agent
    }

    /// The banner printed when the loop starts.
    public nonisolated var banner: String {
        var text = "EdgeAgent REPL · model \(model.name) · workspace \(agent.executor.runtime.environment.workspace.root.path)\n"
        if agent.executor.dryRun { text += "Dry run: tools describe what they would do and change nothing.\n" }
        if !options.confirm && !agent.executor.dryRun { text += "Side-effecting tools run without asking (--yes).\n" }
        return text + "Type a request, or :help.\n"
    }

    /// Reads and handles lines until `:quit` or end of input.
    public func run() async {
        console.write(banner)
        while let line = await console.readLine(options.prompt) {
            if await handle(line) == .quit { return }
        }
        console.write("\n")
    }

    /// Handles one input line.
    public func handle(_ line: String) async -> REPLAction {
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .continue }
        console.addHistory(text)
        guard text.hasPrefix(":") else {
            await request(text)
            return .continue
        }
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch parts[0] {
        case ":quit", ":q", ":exit":
            return .quit
        case ":help", ":h", ":?":
            console.write(Self.help)
        case ":tools":
            console.write(toolList())
        case ":trace":
            let verbose = parts.dropFirst().contains { $0 == "-v" || $0 == "verbose" }
            if let trace = lastTrace, !trace.entries.isEmpty {
                console.write(trace.render(verbose: verbose))
            } else {
                console.write("No model calls yet: type a request first.\n")
            }
        default:
            console.write("Unknown command \(parts[0]). Type :help for the list.\n")
        }
        return .continue
    }

    /// `:help` text.
    public static var help: String {
        let width = commands.map(\.name.count).max() ?? 0
        var text = "Type a request in plain words (e.g. \"Text Sam that I am late\"), or a command:\n"
        for c in commands { text += "  " + c.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + c.help + "\n" }
        return text
    }

    /// `:tools` text: one line per tool with its first description sentence.
    func toolList() -> String {
        let runtime = agent.executor.runtime
        let selected = selections.last.map(Set.init)
        var text = selected == nil ? "" : "(* = described in the last request's prompt)\n"
        let width = runtime.schemas.tools.map(\.name.count).max() ?? 0
        for schema in runtime.schemas.tools where schema.name != ToolSet.joinName {
            let mark = (selected?.contains(schema.name) == true ? "*" : " ") + (runtime.tools[schema.name]?.sideEffects == true ? "!" : " ")
            let summary = schema.description.split(separator: "\n").first.map(String.init) ?? ""
            text += "\(mark) \(schema.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(summary)\n"
        }
        return text
    }

    /// Runs one request through the agent, printing as it goes.
    func request(_ text: String) async {
        let trace = Trace()
        lastTrace = trace
        selections.reset()
        let printer = REPLPrinter(write: console.write)
        let context = ModuleContext(lm: model, trace: trace, observer: { printer.handle($0) })
        do {
            let response = try await agent(text, in: context)
            printer.finish(response, totals: trace.totals, calls: trace.entries.count)
        } catch {
            printer.closeStream()
            console.write("error: \((error as? AgentError)?.description ?? "\(error)")\n")
        }
    }
}

/// Remembers the last ToolRAG choice (set from the agent's tasks, read by `:tools`).
final class SelectionRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [String]?

    var last: [String]? { lock.withLock { value } }
    func store(_ names: [String]) { lock.withLock { value = names } }
    func reset() { lock.withLock { value = nil } }
}

/// Asks the user before a side-effecting call, one question at a time even when parallel steps ask
/// together (a FIFO async lock around the console's reader). Anything but `y`/`yes` — including end of
/// input — declines.
actor ConfirmationGate {
    let console: REPLConsole
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(console: REPLConsole) { self.console = console }

    func ask(tool: String, arguments: [PlanValue]) async -> Bool {
        if busy { await withCheckedContinuation { waiters.append($0) } }
        busy = true
        defer {
            if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        }
        let call = "\(tool)(\(arguments.map(PlanPrinter.print).joined(separator: ", ")))"
        guard let answer = await console.readLine("Run \(call)? [y/N] ") else {
            console.write("\n")
            return false
        }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
