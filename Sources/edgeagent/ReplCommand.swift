import ArgumentParser
import CReadline
import EdgeAgent
import EdgeInference
import EdgeModel
import EdgePlan
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `edgeagent repl --model M [--workspace DIR] [--dry-run] [--yes]`: type requests, watch the plan stream,
/// confirm side effects, read the answer. The loop itself is `EdgeAgent.REPL`; this file loads the model,
/// opens the workspace and connects readline.
struct ReplCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Talk to the agent: each request is planned (streamed), run with confirmation of side effects, and answered.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var quantize: QuantizeOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var threads: ThreadOptions

    @Option(help: "Workspace folder: the only files tools can reach; holds .edgeagent/tools.sqlite and the history.")
    var workspace = "."
    @Flag(help: "Show each tool call without performing side effects.")
    var dryRun = false
    @Flag(help: "Run side-effecting tools without asking for confirmation.")
    var yes = false
    @Option(help: "ToolRAG classifier from `edgeagent toolrag train` (e.g. models/toolrag.json); default: describe every tool.")
    var toolrag: String?
    @Option(help: "Planning rounds per request (first plan + replans).")
    var maxRounds = Agent.defaultMaxRounds
    @Option(help: "Planner prompt: compact, full or minimal (default: the style the model was fine-tuned with, else compact).")
    var promptStyle: String?
    @Flag(help: "Decode plans without the schema constraint (plans may be invalid; they are never run).")
    var noConstrain = false
    @Option(help: "Context length in tokens (prompt + output).")
    var context = GeneratorLanguageModel.defaultContextLength

    /// Test-only: answer from a JSON script instead of a model, so tests drive the whole loop
    /// deterministically: `{"rules": [{"contains": text, "role": "system"|"user"|null, "replies": [text…]}],
    /// "outputs": [text…]}` (``ScriptedLanguageModel``'s resolution). `--model` is then ignored.
    @Option(help: .hidden)
    var scriptedModel: String?

    /// History entries kept in `<workspace>/.edgeagent/history`.
    static let historyLimit: Int32 = 1000

    func run() async throws {
        try threads.apply()
        guard maxRounds >= 1 else { throw ValidationError("--max-rounds must be at least 1, got \(maxRounds)") }
        let style = try PlanningPrompt.style(option: promptStyle, model: scriptedModel == nil ? modelOptions.model : nil)
        let selectTools = try toolrag.map { try ToolRAGModel.load(path: $0).selector }
        let environment = try ToolEnvironment.open(workspace: workspace)
        let runtime = try ToolRuntime.tinyAgent(environment: environment)
        let (lm, constraint) = try loadModel(tools: runtime.schemas)
        let planner = Planner(style: style, constraint: constraint)
        let agent = Agent(planner: planner, executor: PlanExecutor(runtime: runtime, dryRun: dryRun), maxRounds: maxRounds,
                          selectTools: selectTools)

        let historyPath = environment.workspace.stateDirectory.appendingPathComponent("history").path
        let console = isatty(0) != 0 ? Readline.console(historyPath: historyPath, limit: Self.historyLimit) : Self.pipedConsole()
        let repl = REPL(agent: agent, model: lm, console: console, options: REPLOptions(confirm: !yes))
        await repl.run()
    }

    /// The language model, and the schema constraint of plans for `tools` (none for a scripted model or
    /// with `--no-constrain`).
    func loadModel(tools: ToolSet) throws -> (any LanguageModel, (@Sendable (ToolSet) -> any TokenConstraint)?) {
        if let scriptedModel { return (try ScriptFile.load(scriptedModel), nil) }
        guard context >= 2 else { throw ValidationError("--context must be at least 2, got \(context)") }
        let loaded = try modelOptions.load(quantize: quantize)
        let lm = GeneratorLanguageModel(loaded, name: modelOptions.model, contextLength: context, sampling: sampling.parameters)
        guard !noConstrain else { return (lm, nil) }
        // One factory (its token-prefix cache is shared); every plan gets a fresh constraint from it.
        let factory = PlanConstraintFactory(tools: tools, tokenizer: loaded.tokenizer, vocabularySize: loaded.config.vocabSize,
                                            stopTokenIds: loaded.stopTokenIds)
        return (lm, { _ in factory.make() })
    }

    /// Input from a pipe or file: plain lines, prompts still shown, no line editing or history.
    static func pipedConsole() -> REPLConsole {
        REPLConsole(
            readLine: { prompt in
                FileHandle.standardOutput.write(Data(prompt.utf8))
                return Swift.readLine(strippingNewline: true)
            },
            write: { FileHandle.standardOutput.write(Data($0.utf8)) })
    }
}

/// GNU readline behind the REPL console: line editing, history (loaded from and saved to a file).
/// The only file that calls readline; `readline()` blocks, so it runs on its own thread, never on Swift's
/// cooperative pool, and one call at a time.
enum Readline {
    private static let queue = DispatchQueue(label: "edgeagent.readline")

    static func console(historyPath: String, limit: Int32) -> REPLConsole {
        queue.sync {
            using_history()
            stifle_history(limit)
            _ = read_history(historyPath)   // ENOENT on first use: nothing to load
        }
        return REPLConsole(
            readLine: { prompt in await read(prompt) },
            write: { FileHandle.standardOutput.write(Data($0.utf8)) },
            addHistory: { line in
                // Synchronous: the file is written before the line is handled, so `:quit` (which exits
                // right after) is in it too.
                queue.sync {
                    add_history(line)
                    _ = write_history(historyPath)
                }
            })
    }

    /// One line from the terminal, or nil at end of input. readline returns malloc'd memory: freed here.
    static func read(_ prompt: String) async -> String? {
        await withCheckedContinuation { continuation in
            queue.async {
                guard let raw = readline(prompt) else { return continuation.resume(returning: nil) }
                defer { free(raw) }
                continuation.resume(returning: String(cString: raw))
            }
        }
    }
}

/// The `--scripted-model` file (test-only; see ``ReplCommand/scriptedModel``).
struct ScriptFile: Decodable {
    struct Rule: Decodable {
        var contains: String
        var role: String?
        var replies: [String]
    }

    var rules: [Rule]?
    var outputs: [String]?

    static func load(_ path: String) throws -> ScriptedLanguageModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the scripted model \(path)")
        }
        let file: ScriptFile
        do { file = try JSONDecoder().decode(ScriptFile.self, from: data) } catch {
            throw ValidationError("\(path) is not a model script ({\"rules\": […], \"outputs\": […]}): \(error)")
        }
        let rules = (file.rules ?? []).map { ScriptedLanguageModel.Rule(contains: $0.contains, role: $0.role, replies: $0.replies) }
        return ScriptedLanguageModel(rules: rules, outputs: file.outputs ?? [], name: "scripted:\((path as NSString).lastPathComponent)")
    }
}
