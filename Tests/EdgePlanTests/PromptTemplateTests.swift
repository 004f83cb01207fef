import EdgePlan
import Foundation
import Testing

@Suite struct PromptTemplateTests {
    static let prompts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("prompts").path

    @Test func rendersSlotsAndRejectsMissingOrUnknownOnes() throws {
        let t = try PromptTemplate("Hi {{name}}, today is {{ day }}. Bye {{name}}.", name: "t")
        #expect(t.slots == ["name", "day"])
        #expect(try t.render(["name": "Sam", "day": "Monday"]) == "Hi Sam, today is Monday. Bye Sam.")
        #expect(throws: PromptTemplateError.missingValues(template: "t", slots: ["day"])) { try t.render(["name": "Sam"]) }
        #expect(throws: PromptTemplateError.unknownSlots(template: "t", slots: ["nmae"], known: ["name", "day"])) {
            try t.render(["name": "Sam", "day": "Monday", "nmae": "x"])
        }
        #expect(throws: PromptTemplateError.unclosedSlot(template: "u", line: 2)) { try PromptTemplate("a\n{{b", name: "u") }
        #expect(throws: PromptTemplateError.badSlotName(template: "v", line: 1, slot: "a b")) { try PromptTemplate("{{a b}}", name: "v") }
        #expect(throws: PromptTemplateError.unreadable(path: "/nonexistent.txt")) { try PromptTemplate.load(path: "/nonexistent.txt") }
    }

    @Test func plannerPromptsRenderFromTheSchemas() throws {
        let tools = try ToolSet.tinyAgent.tools
        let examples = DataGenerator(.init(count: 3, seed: 5)).generate().map { PlannerPrompt.Example(query: $0.query, plan: $0.plan) }
        for style in PlannerPrompt.Style.allCases {
            let template = try PromptTemplate.load(path: Self.prompts + "/" + style.fileName)
            let text = try PlannerPrompt.render(template, tools: tools, today: "Monday 2024-05-20 09:00", examples: examples, style: style)
            #expect(!text.contains("{{"))
            #expect(text.contains("today is Monday 2024-05-20 09:00") || text.contains("Today is Monday 2024-05-20 09:00"))
            for tool in tools where tool.name != "join" { #expect(text.contains("\(tool.name)("), "\(style): \(tool.name)") }
            #expect(text.contains("17. join()"))
            #expect(text.contains("Question: \(examples[0].query)\n1. "))
            #expect(text.contains("<END_OF_PLAN>"))
            let bare = try PlannerPrompt.render(template, tools: tools, today: "x", style: style)
            #expect(!bare.contains("Question:"))
            if style == .compact { #expect(bare.count < text.count && bare.count < 2_000, "compact prompt: \(bare.count) chars") }
        }
        let full = try PlannerPrompt.render(try PromptTemplate.load(path: Self.prompts + "/planner_full.txt"), tools: tools,
                                            today: "x", style: .full)
        #expect(full.contains("6. compose_new_email(recipients: list[str], cc: list[str], subject: str, context: str, attachments: list[str]) -> str\n"))
        #expect(full.contains("Each step is one of the following 17 actions"))
        #expect(full.contains("get their number with get_phone_number"))
    }

    @Test func toolRulesFollowTheToolsInThePrompt() throws {
        #expect(PlannerPrompt.toolRules(["maps_open_location"]) == " - maps_show_directions does not need maps_open_location first.")
        #expect(PlannerPrompt.toolRules(["create_note"]).isEmpty)
        #expect(PlannerPrompt.toolRules(["send_sms"]).split(separator: "\n").count == 3)
    }

    @Test func joinerAndUserPrompts() throws {
        let joiner = try PromptTemplate.load(path: Self.prompts + "/joiner.txt")
        #expect(Set(joiner.slots) == ["final_rule", "query", "scratchpad"])
        let last = try joiner.render(PlannerPrompt.joinerValues(query: "Q?", scratchpad: "get_email_address(Sam)\nObservation: s@x.com", finalRound: true))
        #expect(last.contains("do not answer Replan"))
        #expect(last.hasSuffix("Question: Q?\n\nget_email_address(Sam)\nObservation: s@x.com\n"))
        let first = try joiner.render(PlannerPrompt.joinerValues(query: "Q?", scratchpad: "", finalRound: false))
        #expect(!first.contains("do not answer Replan"))
        #expect(first.contains("Action: Replan") && first.contains("Action: Finish("))
        let user = try PromptTemplate.load(path: Self.prompts + "/planner_user.txt")
        #expect(try user.render(["query": "Text Sam"]) == "Question: Text Sam")
    }
}
