import EdgePlan
import Foundation

/// One planning round: the plan, what running it gave, and the joiner's decision.
public struct AgentRound: Sendable {
    public var planner: PlannerResult
    /// Nil when the plan was invalid (never executed).
    public var run: PlanRun?
    public var decision: JoinerDecision?
}

/// What the agent answers.
public struct AgentResponse: Sendable {
    public enum Status: Sendable, Equatable {
        /// The joiner finished (possibly explaining a failure to the user).
        case finished
        /// A round's plan did not validate; it was not executed. `answer` describes the errors.
        case invalidPlan
    }

    public var status: Status
    public var answer: String
    public var rounds: [AgentRound]
}

/// The LLM program: planner → executor → joiner, with at most ``maxRounds`` planning rounds
/// (reference §2.8; TinyAgent's `max_replans = 2` means two rounds). On the last round the joiner may
/// only finish. An invalid plan stops the program with ``AgentResponse/Status/invalidPlan`` before anything
/// runs. A `Finish(Summary)` answer is replaced by the cached PDF summary.
///
/// Model-output problems are reported in the response; only model or infrastructure failures throw
/// (``AgentError/emptyRequest``, ``AgentError/contextOverflow(promptTokens:limit:)``, the model's own errors).
public struct Agent: Module {
    public typealias Input = String
    public typealias Output = AgentResponse

    /// Default planning rounds (first plan + one replan).
    public static let defaultMaxRounds = 2

    public var planner: Planner
    public var executor: PlanExecutor
    public var joiner: Joiner
    public var maxRounds: Int
    /// ToolRAG seam: picks the tools described in the prompt for a query (nil = all tools).
    public var selectTools: (@Sendable (String, ToolSet) -> ToolSet)?
    public var customInstructions: String?

    public init(planner: Planner = Planner(), executor: PlanExecutor, joiner: Joiner = Joiner(instructions: AgentPrompts.builtIn.joiner),
                maxRounds: Int = Self.defaultMaxRounds, selectTools: (@Sendable (String, ToolSet) -> ToolSet)? = nil,
                customInstructions: String? = nil) {
        self.planner = planner
        self.executor = executor
        self.joiner = joiner
        self.maxRounds = max(1, maxRounds)
        self.selectTools = selectTools
        self.customInstructions = customInstructions
    }

    public func callAsFunction(_ query: String, in context: ModuleContext) async throws -> AgentResponse {
        let request = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !request.isEmpty else { throw AgentError.emptyRequest }
        let schemas = executor.runtime.schemas
        let promptTools = selectTools?(request, schemas)
        let now = executor.runtime.environment.clock()
        var rounds: [AgentRound] = []
        var scratchpad = ""
        var previousPlans: [String] = []

        for round in 0..<maxRounds {
            let isFinal = round == maxRounds - 1
            let plannerRequest = PlannerRequest(query: request, tools: schemas, promptTools: promptTools, now: now,
                                                previousPlans: previousPlans, customInstructions: customInstructions)
            let planned = try await planner(plannerRequest, in: context)
            context.emit(.plan(round: round + 1, planned))
            guard planned.isValid else {
                rounds.append(AgentRound(planner: planned, run: nil, decision: nil))
                return AgentResponse(status: .invalidPlan, answer: AgentError.invalidPlan(errors: planned.errors).description,
                                     rounds: rounds)
            }
            let run = try await executor(PlanExecution(plan: planned.plan, query: request), in: context)
            scratchpad = Transcript.appending(run, to: scratchpad, schemas: schemas)
            let decision = try await joiner(JoinerRequest(query: request, scratchpad: scratchpad, isFinal: isFinal), in: context)
            context.emit(.decision(round: round + 1, decision))
            rounds.append(AgentRound(planner: planned, run: run, decision: decision))

            switch decision.action {
            case .replan where !isFinal:
                previousPlans.append(Transcript.replanContext(run, joinerThought: decision.thought, schemas: schemas))
            case .replan, .finish:
                var answer: String
                if case .finish(let text) = decision.action { answer = text } else { answer = "" }
                if answer == "Summary", let summary = executor.runtime.environment.summaries.last { answer = summary }
                if answer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { answer = Self.fallbackAnswer(run) }
                return AgentResponse(status: .finished, answer: answer, rounds: rounds)
            }
        }
        // Unreachable: the last round always finishes.
        return AgentResponse(status: .finished, answer: rounds.last?.run.map(Self.fallbackAnswer) ?? "", rounds: rounds)
    }

    /// An answer made from the observations when the joiner gave none.
    static func fallbackAnswer(_ run: PlanRun) -> String {
        let failed = run.steps.filter { !$0.succeeded }
        if let first = failed.first {
            return "I could not complete the request: step \(first.index) (\(first.tool)) failed: \(first.observation)"
        }
        return run.steps.last?.observation ?? "Done."
    }
}
