import EdgeModel
import EdgePlan
import Foundation
import Testing
@testable import EdgeAgent

@Suite struct ModuleTests {
    /// A toy signature: echo the input upper-cased by the model.
    enum Shout: Signature {
        typealias Input = String
        typealias Output = String
        static let name = "shout"
        static let defaultInstructions = "Repeat loudly. {{style}}"
        static var defaultOptions: CompletionOptions { CompletionOptions(maxTokens: 8, stopSequences: ["STOP"]) }
        static func messages(for input: String, instructions: String, demos: [Demo]) throws -> [ChatMessage] {
            let shots = demos.map { "\($0.input) -> \($0.output)\n" }.joined()
            return [.system(try AgentPrompts.render(instructions, name: "shout", ["style": "Use capitals."])), .user(shots + input)]
        }
        static func parse(_ text: String, for input: String) throws -> String {
            guard !text.isEmpty else { throw AgentError.model("empty") }
            return text
        }
        static func demoKey(for input: String) -> String? { input }
    }

    @Test func predictRendersCallsAndTraces() async throws {
        let lm = ScriptedLanguageModel(["HELLO STOP ignored", ""])
        let trace = Trace()
        let pieces = Recorder<String>()
        let context = ModuleContext(lm: lm, trace: trace) { e in
            if case .modelText(let m, let t) = e { pieces.append("\(m):\(t)") }
        }
        let predict = Predict<Shout>(demos: [Demo(input: "hi", output: "HI")])
        #expect(try await predict("hello", in: context) == "HELLO ")
        #expect(lm.calls[0].messages == [.system("Repeat loudly. Use capitals."), .user("hi -> HI\nhello")])
        #expect(lm.calls[0].options.stopSequences == ["STOP"])
        await #expect(throws: AgentError.self) { _ = try await predict("again", in: context) }
        let entries = trace.entries
        #expect(entries.count == 2)
        #expect(entries[0].module == "shout" && entries[0].output == "HELLO " && entries[0].error == nil)
        #expect(entries[0].completionTokens == 1 && entries[0].promptTokens == 10)
        #expect(entries[1].error != nil)              // parse failures are traced too
        #expect(pieces.all == ["shout:HELLO "])
        #expect(trace.render().contains("#1 shout: 10 prompt + 1 output tokens"))
        #expect(trace.render(verbose: true).contains("    hi -> HI"))
    }

    @Test func demoSelectorPicksMostSimilar() {
        let pool = [
            Demo(input: "Send an SMS to Bob", output: "a"),
            Demo(input: "Create a calendar event for lunch", output: "b"),
            Demo(input: "Text Carol that I am late via SMS", output: "c"),
            Demo(input: "Show directions to the airport", output: "d"),
        ]
        let selector = DemoSelector(pool: pool, k: 2)
        #expect(selector.select(for: "send an sms to Carol").map(\.output) == ["a", "c"])
        #expect(selector.select(for: "directions to the park").first?.output == "d")
        #expect(selector.select(for: "").map(\.output) == ["a", "b"])   // no signal: pool order
        #expect(abs(DemoSelector.similarity("a b", "a c") - 0.5) < 1e-12)

        // The selector replaces the fixed demos of a Predict.
        var predict = Predict<Shout>(demos: [Demo(input: "fixed", output: "F")])
        predict.demoSelector = selector
        #expect(predict.demos(for: "calendar event tomorrow").first?.output == "b")
    }

    @Test func chainComposesModules() async throws {
        let double = FunctionModule<Int, Int> { x, _ in x * 2 }
        let show = FunctionModule<Int, String> { x, _ in "=\(x)" }
        #expect(try await double.then(double).then(show)(5, in: AgentFixture.context()) == "=20")
    }

    @Test func plannerPromptHasToolsDateAndDemos() throws {
        let tools = try ToolSet.tinyAgent
        let now = Date(timeIntervalSince1970: 1_714_557_600)   // 2024-05-01 10:00 UTC
        var request = PlannerRequest(query: "  Text Sam  ", tools: tools, now: now, customInstructions: "I live in Berkeley.")
        let predict = Predict<PlannerSignature>(demos: [Demo(input: "q1", output: "1. join()<END_OF_PLAN>")])
        let messages = try predict.messages(for: request)
        #expect(messages.count == 2 && messages[1] == .user("Question: Text Sam"))
        let system = messages[0].content
        #expect(system.contains("one of the following 17 actions"))
        #expect(system.contains("1. create_calendar_event(title: str, start_date: str"))
        #expect(system.contains("16. get_zoom_meeting_link("))
        #expect(system.contains("17. join() -> str"))
        #expect(system.contains("Question: q1\n1. join()<END_OF_PLAN>\n###\n"))
        #expect(system.contains(" - Before texting someone you know only by name"))
        #expect(system.contains(" - I live in Berkeley."))
        #expect(system.contains("Today is \(AgentPrompts.today(now))."))
        #expect(!system.contains("Previous Plan") && !system.contains("{{"))

        // ToolRAG subset: only the chosen tools are described, but validation keeps all of them.
        request.promptTools = try ToolSet([try #require(tools["send_sms"])])
        let small = try predict.messages(for: request)[0].content
        #expect(small.contains("1. send_sms(") && small.contains("2. join() -> str") && !small.contains("create_calendar_event("))
        let result = try PlannerSignature.parse("1. create_note(\"a\", \"b\", \"\")\n2. join()", for: request)
        #expect(result.isValid)

        // Compact style: the compact template with its own slots.
        request.style = .compact
        let compact = try Predict<PlannerSignature>(instructions: AgentPrompts.builtInCompact.plannerSystem).messages(for: request)
        #expect(compact[0].content.hasPrefix("Write a plan as numbered tool calls. Tools:\n1. send_sms(recipients, message):"))

        request.query = " "
        #expect(throws: AgentError.emptyRequest) { _ = try predict.messages(for: request) }
    }

    @Test func plannerValidatesOutput() async throws {
        let tools = try ToolSet.tinyAgent
        let lm = ScriptedLanguageModel(["1. get_email_address(\"Sam\")\n2. join()<END_OF_PLAN>\ntrailing", "1. fly_to_moon()\n2. join()"])
        let planner = Planner()
        let good = try await planner(PlannerRequest(query: "q", tools: tools), in: AgentFixture.context(lm))
        #expect(good.isValid && good.plan.steps.map(\.tool) == ["get_email_address", "join"])
        #expect(lm.calls[0].options.stopSequences == ["<END_OF_PLAN>"] && lm.calls[0].options.temperature == 0)
        let bad = try await planner(PlannerRequest(query: "q", tools: tools), in: AgentFixture.context(lm))
        #expect(!bad.isValid && bad.errors.contains { $0.message.contains("fly_to_moon") })
    }

    @Test func scriptedModelStreamsAndExhausts() async throws {
        let lm = ScriptedLanguageModel(["a\nb\nc"])
        var pieces: [String] = []
        for try await e in lm.stream([.user("x")], options: CompletionOptions()) {
            if case .text(let t) = e { pieces.append(t) }
        }
        #expect(pieces == ["a\n", "b\n", "c"])
        await #expect(throws: AgentError.scriptExhausted(call: 2)) {
            _ = try await lm.complete(prompt: "again")
        }
    }
}
