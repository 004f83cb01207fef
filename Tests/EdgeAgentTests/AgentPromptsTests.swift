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
