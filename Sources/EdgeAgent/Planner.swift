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
    /// The user's own standing instructions, if any.
    public var customInstructions: String?

    public init(query: String, tools: ToolSet, promptTools: ToolSet? = nil, now: Date = Date(),
                previousPlans: [String] = [], customInstructions: String? = nil) {
        self.query = query
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

/// The planner prompt's contract (reference §2.1): tools + guidelines + demos → LLMCompiler plan text.
public enum PlannerSignature: Signature {
    public typealias Input = PlannerRequest
    public typealias Output = PlannerResult

    public static let name = "planner"
    public static var defaultInstructions: String { PlannerPrompt.template }
    public static var defaultOptions: CompletionOptions {
        CompletionOptions(maxTokens: 512, temperature: 0, stopSequences: [Plan.endMarker])
    }

    public static func messages(for input: PlannerRequest, instructions: String, demos: [Demo]) throws -> [ChatMessage] {
        let query = input.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { throw AgentError.emptyRequest }
        let system = PlannerPrompt.system(template: instructions, tools: input.promptTools ?? input.tools, demos: demos, now: input.now,
                                          customInstructions: input.customInstructions, isReplan: input.isReplan)
        return [.system(system), .user(PlannerPrompt.user(query: query, previousPlans: input.previousPlans))]
    }

    /// Validates the text; invalid plans are returned (with their errors), never thrown.
    public static func parse(_ text: String, for input: PlannerRequest) throws -> PlannerResult {
        let validator = PlanValidator(tools: input.tools)
        return PlannerResult(text: text, report: validator.validate(text))
    }

    public static func demoKey(for input: PlannerRequest) -> String? { input.query }
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
    /// Builds a token constraint for a tool set (nil = unconstrained).
    public var constraint: (@Sendable (ToolSet) -> any TokenConstraint)?

    public init(predict: Predict<PlannerSignature> = Predict(demos: PlannerPrompt.defaultDemos),
                constraint: (@Sendable (ToolSet) -> any TokenConstraint)? = nil) {
        self.predict = predict
        self.constraint = constraint
    }

    public func callAsFunction(_ input: PlannerRequest, in context: ModuleContext) async throws -> PlannerResult {
        var predict = self.predict
        if let constraint {
            let tools = input.tools
            predict.options.constraint = { constraint(tools) }
        }
        return try await predict(input, in: context)
    }
}
