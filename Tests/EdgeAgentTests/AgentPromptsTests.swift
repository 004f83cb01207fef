import EdgePlan
import EdgeTestSupport
import Foundation
import Testing
@testable import EdgeAgent

@Suite struct AgentPromptsTests {
    static let prompts = TestSupport.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("prompts").path

    /// The compiled-in copy must equal `prompts/*.txt` byte for byte.
    @Test func builtInMatchesPromptFiles() throws {
        let full = try AgentPrompts.load(directory: Self.prompts, style: .full)
        let compact = try AgentPrompts.load(directory: Self.prompts, style: .compact)
        #expect(full == AgentPrompts.builtIn)
        #expect(compact == AgentPrompts.builtInCompact)
        #expect(try AgentPrompts.load(directory: Self.prompts, style: .minimal) == AgentPrompts.builtInMinimal)
        for style in PlanningPrompt.Style.allCases { #expect(AgentPrompts.builtIn(style).style == style) }
    }

    /// The agent (REPL, server) prompts the planner exactly as `finetune`, `plan` and `eval` do: for the compact
    /// and minimal styles its messages equal ``PlanningPrompt``'s, with no in-context examples.
    @Test(arguments: [PlanningPrompt.Style.compact, .minimal])
    func agentPlannerPromptsAsTraining(style: PlanningPrompt.Style) throws {
        let tools = try ToolSet.tinyAgent
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour, c.minute) = (2024, 5, 1, 10, 0)
        let now = try #require(Calendar.current.date(from: c))
        let planner = Planner(style: style)
        #expect(planner.predict.demos.isEmpty)
        let request = PlannerRequest(query: "Text Alice that I'm late", tools: tools, now: now, style: style,
                                     userTemplate: planner.prompts.plannerUser)
        let messages = try planner.predict.messages(for: request)
        let training = try PlanningPrompt.load(directory: Self.prompts, style: style, tools: tools)
            .messages(query: "Text Alice that I'm late", now: "2024-05-01 10:00")
        #expect(messages.map(\.content) == [training.system, training.user])
        #expect(messages[0].content.contains("Wednesday 2024-05-01 10:00"))
    }

    @Test func loadReportsMissingFolder() {
        #expect(throws: AgentError.self) { _ = try AgentPrompts.load(directory: "/nonexistent-prompts") }
    }

    /// The planner's system prompt equals EdgePlan's rendering of the same template (the training prompts).
    @Test func plannerPromptMatchesEdgePlanRendering() throws {
        let tools = try ToolSet.tinyAgent
        let now = Date(timeIntervalSince1970: 1_714_557_600)
        let demos = [Demo(input: "q", output: "1. join()<END_OF_PLAN>")]
        let messages = try Predict<PlannerSignature>(demos: demos).messages(for: PlannerRequest(query: "x", tools: tools, now: now))
        let expected = try PlannerPrompt.render(try PromptTemplate(AgentPrompts.builtIn.plannerSystem), tools: tools.tools,
                                                today: AgentPrompts.today(now),
                                                examples: [PlannerPrompt.Example(query: "q", plan: "1. join()<END_OF_PLAN>")],
                                                style: .full)
        #expect(messages[0].content == expected)
    }
}
