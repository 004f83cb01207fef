import EdgePlan
import EdgeTestSupport
import Foundation
import Testing
@testable import EdgeAgent

/// A console fed from a list of lines; records every prompt, write and history entry.
final class ScriptedConsole: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String]
    private var written = ""
    private var asked: [String] = []
    private var history: [String] = []

    init(_ lines: [String]) { self.lines = lines }

    var output: String { lock.withLock { written } }
    var prompts: [String] { lock.withLock { asked } }
    var historyLines: [String] { lock.withLock { history } }

    var console: REPLConsole {
        REPLConsole(
            readLine: { prompt in
                self.lock.withLock {
                    self.asked.append(prompt)
                    self.written += prompt
                    return self.lines.isEmpty ? nil : self.lines.removeFirst()
                }
            },
            write: { text in self.lock.withLock { self.written += text } },
            addHistory: { line in self.lock.withLock { self.history.append(line) } })
    }
}

@Suite struct REPLTests {
    static let smsPlan = """
        1. get_phone_number("Sam")
        2. send_sms(["$1"], "Running late")
        3. join()<END_OF_PLAN>
        """
    static let finish = "Thought: The SMS draft is ready.\nAction: Finish(I drafted a text to Sam: Running late.)<END_OF_RESPONSE>"

    /// Planner calls (system + user messages) get the plan, joiner calls (one user message) the decision.
    static func model(plan: String = smsPlan, joiner: String = finish) -> ScriptedLanguageModel {
        ScriptedLanguageModel(rules: [], handler: { messages, _ in messages.count == 2 ? plan : joiner })
    }

    static func repl(_ lines: [String], env: ToolEnvironment, lm: any LanguageModel = model(), confirm: Bool = true,
                     dryRun: Bool = false, select: (@Sendable (String, ToolSet) -> ToolSet)? = nil) throws -> (REPL, ScriptedConsole) {
        let scripted = ScriptedConsole(lines)
        let agent = Agent(executor: PlanExecutor(runtime: try AgentFixture.runtime(env), dryRun: dryRun), selectTools: select)
        return (REPL(agent: agent, model: lm, console: scripted.console, options: REPLOptions(confirm: confirm)), scripted)
    }

    @Test func requestShowsPlanRunsToolsAndAnswers() async throws {
        let env = try AgentFixture.environment()
        let (repl, console) = try Self.repl(["Text Sam that I'm running late", "y", ":quit", "never read"], env: env)
        await repl.run()
        let out = console.output
        // Sections in order: streamed plan, step lines, answer.
        let plan = try #require(out.range(of: "=== plan ===\n1. get_phone_number(\"Sam\")\n2. send_sms([\"$1\"], \"Running late\")\n3. join()\n"))
        let run = try #require(out.range(of: "=== run ===\n"))
        let answer = try #require(out.range(of: "=== answer ===\nI drafted a text to Sam: Running late.\n"))
        #expect(plan.upperBound <= run.lowerBound && run.upperBound <= answer.lowerBound)
        #expect(out.contains("✓ 1. get_phone_number(\"Sam\") → +1415-555-0101"))
        #expect(out.contains("✓ 2. send_sms([\"+1415-555-0101\"], \"Running late\") → SMS draft composed"))
        #expect(out.contains("(2 model calls ·"))
        // The confirmation named the substituted call; `:quit` ended the loop before the last line.
        #expect(console.prompts.contains("Run send_sms([\"+1415-555-0101\"], \"Running late\")? [y/N] "))
        #expect(console.prompts.filter { $0 == REPLOptions.defaultPrompt }.count == 2)
        #expect(console.historyLines == ["Text Sam that I'm running late", ":quit"])
        let drafts = try await env.database.rows("sms_drafts")
        #expect(drafts.count == 1 && drafts.first?["message"] == "Running late")
    }

    @Test func declinedConfirmationLeavesTheDatabaseUnchanged() async throws {
        let env = try AgentFixture.environment()
        let before = try await env.database.snapshot()
        let (repl, console) = try Self.repl(["Text Sam that I'm running late", "n"], env: env,
                                            lm: Self.model(joiner: "Action: Finish(You declined the SMS.)"))
        await repl.run()   // ends at end of input
        #expect(try await env.database.snapshot() == before)
        #expect(console.output.contains("✗ 2. send_sms([\"+1415-555-0101\"], \"Running late\") declined: not run"))
        #expect(console.output.contains("=== answer ===\nYou declined the SMS.\n"))
    }

    @Test func yesAndDryRunNeverAsk() async throws {
        for (confirm, dryRun) in [(false, false), (true, true)] {
            let env = try AgentFixture.environment()
            let before = try await env.database.snapshot()
            let (repl, console) = try Self.repl(["Text Sam that I'm running late"], env: env, confirm: confirm, dryRun: dryRun)
            await repl.run()
            #expect(!console.prompts.contains { $0.hasPrefix("Run ") })
            let drafts = try await env.database.rows("sms_drafts")
            #expect(drafts.count == (dryRun ? 0 : 1))
            if dryRun {
                #expect(try await env.database.snapshot() == before)
                #expect(console.output.contains("[dry run] would compose an SMS"))
            }
        }
    }

    @Test func traceToolsHelpAndQuit() async throws {
        let env = try AgentFixture.environment()
        // ToolRAG stand-in: only the contact and SMS tools go into the prompt.
        let select: @Sendable (String, ToolSet) -> ToolSet = { _, tools in
            (try? ToolSet(tools.tools.filter { ["get_phone_number", "send_sms"].contains($0.name) })) ?? tools
        }
        let (repl, console) = try Self.repl([], env: env, confirm: false, select: select)
        #expect(await repl.handle(":trace") == .continue)
        #expect(console.output.contains("No model calls yet"))
        #expect(await repl.handle(":help") == .continue)
        for c in REPL.commands { #expect(console.output.contains(c.name)) }
        #expect(await repl.handle("   ") == .continue)
        #expect(await repl.handle(":bogus") == .continue)
        #expect(console.output.contains("Unknown command :bogus"))

        #expect(await repl.handle("Text Sam that I'm running late") == .continue)
        let before = console.output.count
        #expect(await repl.handle(":trace") == .continue)
        let trace = String(console.output.dropFirst(before))
        #expect(trace.contains("#1 planner:") && trace.contains("#2 joiner:"))
        #expect(!trace.contains("[system]"))
        #expect(await repl.handle(":trace -v") == .continue)
        #expect(console.output.contains("[system]"))

        let mark = console.output.count
        #expect(await repl.handle(":tools") == .continue)
        let tools = String(console.output.dropFirst(mark))
        #expect(tools.split(separator: "\n").filter { $0.contains("_") }.count == 16)
        #expect(tools.contains("*  get_phone_number") && tools.contains("*! send_sms"))
        #expect(tools.contains(" ! create_reminder") && tools.contains("   maps_open_location"))
        // The planner prompt really described only the selected tools.
        let prompt = await Self.systemPrompt(repl)
        let system = try #require(prompt)
        #expect(system.contains("send_sms(") && !system.contains("create_reminder("))

        for quit in [":quit", ":q", ":exit"] { #expect(await repl.handle(quit) == .quit) }
    }

    @Test func invalidPlanIsShownAndNotRun() async throws {
        let env = try AgentFixture.environment()
        let before = try await env.database.snapshot()
        let (repl, console) = try Self.repl(["Do something"], env: env, lm: Self.model(plan: "1. launch_rocket(\"moon\")\n2. join()"))
        await repl.run()
        #expect(console.output.contains("The plan is invalid and was not run:"))
        #expect(!console.output.contains("=== run ==="))
        #expect(console.output.contains("=== answer ===\nthe planner produced an invalid plan"))
        #expect(try await env.database.snapshot() == before)
    }

    @Test func errorsAreReportedAndTheLoopGoesOn() async throws {
        let env = try AgentFixture.environment()
        // The model has nothing to say: the request fails, the next command still works.
        let (repl, console) = try Self.repl(["Text Sam", ":help"], env: env, lm: ScriptedLanguageModel([]))
        await repl.run()
        #expect(console.output.contains("error: the scripted model has no output for call 1"))
        #expect(console.output.contains(":tools"))
    }

    /// The system prompt of the last planner call (from the REPL's trace).
    static func systemPrompt(_ repl: REPL) async -> String? {
        await repl.lastTrace?.entries.first { $0.module == "planner" }?.messages.first { $0.role == "system" }?.content
    }
}
