import EdgeInference
import EdgeModel
import EdgePlan
import Foundation

/// What the planner is asked: the query, the tools it may use, the time, and earlier rounds' context.
public struct PlannerRequest: Sendable {
    public var query: String
    /// Every tool the runtime has: plans are validated against these.
    public var tools: ToolSet
    /// The tools described in the prompt (a ToolRAG subset); nil = all of ``tools``.
    public var promptTools: ToolSet?
    /// "Now" for the date line of the prompt; taken per request (TinyAgent froze it at server start).
    public var now: Date
    /// Earlier rounds' transcripts (``ReplanContext``); empty on the first round.
    public var previousPlans: [String]
    /// The user's own standing instructions, if any (added to the system prompt's instructions).
    public var customInstructions: String?
    /// Which planner template ``Predict/instructions`` holds (full, compact or minimal); decides the slot values.
    public var style: PlanningPrompt.Style
    /// The user-message template (`{{query}}`).
    public var userTemplate: String

    public init(query: String, tools: ToolSet, promptTools: ToolSet? = nil, now: Date = Date(),
                previousPlans: [String] = [], customInstructions: String? = nil,
                style: PlanningPrompt.Style = AgentPrompts.builtIn.style, userTemplate: String = AgentPrompts.builtIn.plannerUser) {
        self.query = query
        self.style = style
        self.userTemplate = userTemplate
        self.tools = tools
        self.promptTools = promptTools
        self.now = now
        self.previousPlans = previousPlans
        self.customInstructions = customInstructions
    }

    /// True on a replan round.
    public var isReplan: Bool { !previousPlans.isEmpty }
}

/// The planner's output: its raw text and the validator's verdict. Only a valid plan may be executed.
public struct PlannerResult: Sendable {
    /// The model's text (the stop sequence `<END_OF_PLAN>` itself is not included).
    public var text: String
    /// Validation against the request's full tool set (``PlanValidator``).
    public var report: PlanValidationReport

    public var plan: Plan { report.plan }
    public var isValid: Bool { report.valid }
    public var errors: [PlanDiagnostic] { report.errors }
}

/// The planner prompt's contract (reference §2.1): `prompts/planner_*.txt` rendered with the tools,
/// today's date and the demos as in-context examples; the user message is `prompts/planner_user.txt`.
/// On a replan round the system prompt gets ``AgentPrompts/replanGuidance`` and the user message is
/// followed by the `Previous Plan: … Current Plan:` context (reference §2.8).
public enum PlannerSignature: Signature {
    public typealias Input = PlannerRequest
    public typealias Output = PlannerResult

    public static let name = "planner"
    public static var defaultInstructions: String { AgentPrompts.builtIn.plannerSystem }
    public static var defaultOptions: CompletionOptions {
        CompletionOptions(maxTokens: 512, temperature: 0, stopSequences: [Plan.endMarker])
    }

    public static func messages(for input: PlannerRequest, instructions: String, demos: [Demo]) throws -> [ChatMessage] {
        let query = input.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { throw AgentError.emptyRequest }
        let tools = (input.promptTools ?? input.tools).tools
        let examples = demos.map { PlannerPrompt.Example(query: $0.input, plan: $0.output) }
        var values = PlannerPrompt.values(tools: tools, today: AgentPrompts.today(input.now), examples: examples,
                                          style: input.style.plannerStyle)
        if let custom = input.customInstructions?.trimmingCharacters(in: .whitespacesAndNewlines), !custom.isEmpty,
           input.style == .full {
            values["tool_rules", default: ""] += (values["tool_rules"]?.isEmpty == false ? "\n" : "") + " - \(custom)"
        }
        var system = try AgentPrompts.render(instructions, name: "planner system prompt", values)
        if input.isReplan { system += AgentPrompts.replanGuidance }
        var user = try AgentPrompts.render(input.userTemplate, name: "planner user prompt", ["query": query])
        if input.isReplan {
            user += "\n" + input.previousPlans.map { "Previous Plan:\n\n\($0)\n\n" }.joined() + "Current Plan:\n\n\n"
        }
        return [.system(system), .user(user)]
    }

    /// Validates the text; invalid plans are returned (with their errors), never thrown.
    public static func parse(_ text: String, for input: PlannerRequest) throws -> PlannerResult {
        let validator = PlanValidator(tools: input.tools)
        return PlannerResult(text: text, report: validator.validate(text))
    }

    public static func demoKey(for input: PlannerRequest) -> String? { input.query }
}

/// Default planner demos (used when no ``DemoSelector`` is set): one per common pattern.
public enum PlannerDemos {
    public static let `default`: [Demo] = [
        Demo(input: "Let Sam know by text that the meeting moved to 3pm.", output: """
            1. get_phone_number("Sam")
            2. send_sms(["$1"], "The meeting moved to 3pm.")
            3. join()<END_OF_PLAN>
            """),
        Demo(input: "Set up a Zoom call with Alice tomorrow at 10 and put it on my calendar.", output: """
            1. get_email_address("Alice")
            2. get_zoom_meeting_link("Call with Alice", "2024-05-02 10:00:00", 60, ["$1"])
            3. create_calendar_event("Call with Alice", "2024-05-02 10:00:00", "2024-05-02 11:00:00", "$2", ["$1"], "", None)
            4. join()<END_OF_PLAN>
            """),
        Demo(input: "How do I walk to the Ferry Building?", output: """
            1. maps_show_directions("", "Ferry Building", "w")
            2. join()<END_OF_PLAN>
            """),
        Demo(input: "Email Bob and Carol the file budget.xlsx with the subject Budget.", output: """
            1. get_email_address("Bob")
            2. get_email_address("Carol")
            3. open_and_get_file_path("budget.xlsx")
            4. compose_new_email(["$1", "$2"], [], "Budget", "Here is the budget file.", ["$3"])
            5. join()<END_OF_PLAN>
            """),
    ]
}

extension Demo {
    /// A planner demo from a dataset example (query → plan text ending `join()<END_OF_PLAN>`).
    public init(_ example: DatasetExample) {
        var plan = example.plan.trimmingCharacters(in: .whitespacesAndNewlines)
        if !plan.hasSuffix(Plan.endMarker) { plan += Plan.endMarker }
        self.init(input: example.query, output: plan)
    }
}

/// The planner module: renders the planner prompt, calls the model (greedy, stop at `<END_OF_PLAN>`),
/// and validates the plan against the tool schemas.
///
/// The validator sees all tools of the request (``PlannerRequest/tools``), so a plan calling a tool whose
/// description ToolRAG left out of the prompt (``PlannerRequest/promptTools``) is still valid, as in TinyAgent. The seam for schema-constrained decoding is
/// ``constraint``: a factory the lead's decoder fills in (given the tool set) that becomes
/// ``CompletionOptions/constraint`` for the call.
public struct Planner: Module {
    public var predict: Predict<PlannerSignature>
    /// Style and user template matching ``predict``'s instructions.
    public var prompts: AgentPrompts
    /// Builds a token constraint for a tool set (nil = unconstrained).
    public var constraint: (@Sendable (ToolSet) -> any TokenConstraint)?

    /// The planner of `style` with the compiled-in templates, prompting exactly as `plan`, `eval` and `finetune`
    /// do (``PlanningPrompt``): TinyAgent's in-context examples with the full prompt, none with compact and
    /// minimal (the prompts fine-tuning uses).
    public init(style: PlanningPrompt.Style, constraint: (@Sendable (ToolSet) -> any TokenConstraint)? = nil) {
        self.init(prompts: .builtIn(style), demos: style == .full ? PlannerDemos.default : [], constraint: constraint)
    }

    /// A planner prompting with `prompts` (its system template becomes the learnable instructions).
    public init(prompts: AgentPrompts = .builtIn, demos: [Demo] = PlannerDemos.default, demoSelector: DemoSelector? = nil,
                constraint: (@Sendable (ToolSet) -> any TokenConstraint)? = nil) {
        self.predict = Predict(instructions: prompts.plannerSystem, demos: demos, demoSelector: demoSelector)
        self.prompts = prompts
        self.constraint = constraint
    }

    public func callAsFunction(_ input: PlannerRequest, in context: ModuleContext) async throws -> PlannerResult {
        var input = input
        input.style = prompts.style
        input.userTemplate = prompts.plannerUser
        var predict = self.predict
        if let constraint {
            let tools = input.tools
            predict.options.constraint = { constraint(tools) }
        }
        return try await predict(input, in: context)
    }
}
