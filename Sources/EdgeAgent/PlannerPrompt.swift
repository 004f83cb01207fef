import EdgePlan
import Foundation

/// The planner's prompt text (structure of TinyAgent's LLMCompiler prompt, reference §2.1, in our words).
///
/// Template slots: `{{tool_count}}` (tools + join), `{{tools}}` (numbered tool blocks), `{{join_number}}`,
/// `{{custom_instructions}}` (date and tool-specific bullets), `{{replan}}` (replan guidance or empty),
/// `{{examples}}` (demos, each `Question: …\n<plan>\n###\n`).
public enum PlannerPrompt {
    /// The default system-prompt template.
    public static let template = """
    Given a user query, create a plan to solve it with the utmost parallelizability. \
    Each plan should comprise an action from the following {{tool_count}} types:
    {{tools}}{{join_number}}. join():
     - Collects and combines results from prior actions.
     - A LLM agent is called upon invoking join() to either finalize the user query or wait until the plans are executed.
     - join should always be the last action in the plan, and will be called in two scenarios:
       (a) if the answer can be determined by gathering the outputs from tasks to generate the final response.
       (b) if the answer cannot be determined in the planning phase before you execute the plans.

    Guidelines:
     - Each action described above contains input/output types and description.
        - You must strictly adhere to the input and output types for each action.
        - The action descriptions contain the guidelines. You MUST strictly follow those guidelines when you use the actions.
     - Each action in the plan should strictly be one of the above types. Follow the Python conventions for each action.
     - Each action MUST have a unique ID, which is strictly increasing.
     - Inputs for actions can either be constants or outputs from preceding actions. \
    In the latter case, use the format $id to denote the ID of the previous action whose output will be the input.
     - Always call join as the last action in the plan. Say '<END_OF_PLAN>' after you call join.
     - Ensure the plan maximizes parallelizability.
     - Only use the provided action types. If a query cannot be addressed using these, invoke the join action for the next steps.
     - Never introduce new actions other than the ones provided.
     - Never write comments (#) in the plan.

    {{custom_instructions}}
    {{replan}}Here are some examples:

    {{examples}}
    """

    /// Guidance added on replan rounds.
    public static let replanGuidance = """
     - You are given "Previous Plan" which is the plan that the previous agent created along with the execution results \
    (given as Observation) of each plan and a general thought (given as Thought) about the executed results. \
    You MUST use these information to create the next plan under "Current Plan".
     - When starting the Current Plan, you should start with "Thought" that outlines the strategy for the next plan.
     - In the Current Plan, you should NEVER repeat the actions that are already executed in the Previous Plan.


    """

    /// Default demos when no selector is configured (one per common pattern).
    public static let defaultDemos: [Demo] = [
        Demo(input: "Notify Lutfi Eren Erdogan about the upcoming Apple meeting that is going to start at 3PM on Friday.",
             output: """
             1. get_phone_number("Lutfi Eren Erdogan")
             2. send_sms(["$1"], "Hey Lutfi, just wanted to let you know about the upcoming Apple meeting. It's going to be at 3 PM on Friday.")
             Thought: I have succesfully completed all the tasks, so I can call join now.
             3. join()<END_OF_PLAN>
             """),
        Demo(input: "Create a zoom meeting for the upcoming Apple meeting with Eren Erdoğan.",
             output: """
             1. get_email_address("Eren Erdoğan")
             2. get_zoom_meeting_link("Apple Meeting", "2022-10-14 15:00:00", 60, ["$1"])
             3. create_calendar_event("Apple Meeting", "2022-10-14 15:00:00", "2022-10-14 16:00:00", "$2", ["$1"], "", None)
             Thought: I have succesfully completed all the tasks, so I can call join now.
             4. join()<END_OF_PLAN>
             """),
        Demo(input: "Show directions to Apple Park.",
             output: """
             1. maps_show_directions("", "Apple Park", "d")
             Thought: I have succesfully completed all the tasks, so I can call join now.
             2. join()<END_OF_PLAN>
             """),
        Demo(input: "Send an email to Amir Gholami and Kurt Keutzer about the meeting next week, and attach the file 'report.pdf'.",
             output: """
             1. get_email_address("Amir Gholami")
             2. get_email_address("Kurt Keutzer")
             3. open_and_get_file_path("report.pdf")
             4. compose_new_email(["$1", "$2"], [], "Meeting next week", "Let's meet next week to go over the report.", ["$3"])
             Thought: I have succesfully completed all the tasks, so I can call join now.
             5. join()<END_OF_PLAN>
             """),
    ]

    /// Tool-specific bullets: (trigger tools, bullet). A bullet is included when any trigger tool is in the prompt.
    static let toolBullets: [(Set<String>, String)] = [
        (["compose_new_email", "reply_to_email", "forward_email", "create_calendar_event", "get_zoom_meeting_link"],
         " - Before sending an email, inviting someone or creating a meeting, use get_email_address to get the email address of each person you only know by name."),
        (["get_phone_number", "send_sms"],
         " - Before sending an SMS, use get_phone_number to get the phone number of each person you only know by name."),
        (["send_sms"], " - To send the same SMS to several people, send one SMS with all of them as recipients."),
        (["compose_new_email", "reply_to_email", "forward_email", "send_sms"],
         " - Send emails and SMS before calling join(), never after."),
        (["get_zoom_meeting_link"], " - When the user asks for a Zoom meeting, use get_zoom_meeting_link to create its link."),
        (["open_note", "append_note_content"], " - There is no need to open a note before appending to it."),
        (["maps_show_directions", "maps_open_location"], " - There is no need to open a location before showing directions to it."),
    ]

    /// The numbered tool blocks: `i. signature\n - description\n\n`.
    public static func toolBlocks(_ tools: [ToolSchema]) -> String {
        tools.enumerated().map { i, tool in
            let bullets = tool.description.split(separator: "\n").map { " - \($0)" }.joined(separator: "\n")
            return "\(i + 1). \(tool.signature)\n\(bullets)\n\n"
        }.joined()
    }

    /// The custom-instructions block: fixed bullets with today's date, tool-specific bullets, the user's own.
    public static func customInstructions(tools: [ToolSchema], now: Date, user: String?) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEEE yyyy-MM-dd HH:mm"
        var lines = [
            " - You need to start your plan with the '1.' call",
            " - Today's date is \(formatter.string(from: now))",
            " - Unless otherwise specified, the default meeting duration is 60 minutes",
            " - Do not use named arguments in your tool calls.",
            " - You MUST end your plans with the 'join()' call and a '\\n' character.",
            " - You MUST fill every argument in the tool calls, even if they are optional.",
            " - The format for dates MUST be in ISO format of 'YYYY-MM-DD HH:MM:SS', unless other specified.",
            " - If you want to use the result of a previous tool call, you MUST use the '$' sign followed by the index of the tool call.",
            " - You MUST ONLY USE join() at the very very end of the plan, or you WILL BE PENALIZED.",
        ]
        let names = Set(tools.map(\.name))
        for (trigger, bullet) in toolBullets where !trigger.isDisjoint(with: names) { lines.append(bullet) }
        if let user, !user.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { lines.append(" - \(user)") }
        return lines.joined(separator: "\n") + "\n\n"
    }

    /// Demos as prompt text: `Question: …\n<plan>\n###\n` each.
    public static func examples(_ demos: [Demo]) -> String {
        demos.map { demo in
            var plan = demo.output
            if !plan.hasSuffix("\n") { plan += "\n" }
            return "Question: \(demo.input)\n\(plan)###\n"
        }.joined()
    }

    /// The system prompt for `tools` (join excluded from the list; it is always appended).
    public static func system(template: String = template, tools: ToolSet, demos: [Demo], now: Date,
                              customInstructions user: String? = nil, isReplan: Bool) -> String {
        let schemas = tools.tools.filter { $0.name != ToolSet.joinName }
        return Slots.render(template, [
            "tool_count": "\(schemas.count + 1)",
            "tools": toolBlocks(schemas),
            "join_number": "\(schemas.count + 1)",
            "custom_instructions": customInstructions(tools: schemas, now: now, user: user),
            "replan": isReplan ? replanGuidance : "",
            "examples": examples(demos),
        ])
    }

    /// The user message: `Question: <query>`, plus `Previous Plan: … Current Plan:` context on replans
    /// (reference §2.8).
    public static func user(query: String, previousPlans: [String]) -> String {
        guard !previousPlans.isEmpty else { return "Question: \(query)" }
        let formatted = previousPlans.map { "Previous Plan:\n\n\($0)\n\n" }.joined() + "Current Plan:\n\n"
        return "Question: \(query)\n\(formatted)\n"
    }
}

extension Demo {
    /// A planner demo from a dataset example (query → plan text ending `join()<END_OF_PLAN>`).
    public init(_ example: DatasetExample) {
        var plan = example.plan.trimmingCharacters(in: .whitespacesAndNewlines)
        if !plan.hasSuffix(Plan.endMarker) { plan += Plan.endMarker }
        self.init(input: example.query, output: plan)
    }
}
