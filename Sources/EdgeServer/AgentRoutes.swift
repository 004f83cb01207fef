import EdgeAgent
import EdgeInference
import EdgeModel
import EdgePlan
import Foundation
import Hummingbird

/// `POST /v1/plan` and `POST /v1/agent`: the planner (and the whole LLM program) over the shared model.
struct AgentRoutes: Sendable {
    let engine: ModelEngine
    let configuration: ServerConfiguration
    let runtime: ToolRuntime
    /// Schema-constrained plan decoding for the runtime's tools (built once per model).
    let planConstraint: PlanConstraintFactory
    /// Tests: a model used instead of the engine (still behind the admission queue).
    let modelOverride: (any LanguageModel)?

    /// `{"query", "now"?, "constrain"?, "model"?}`.
    struct PlanBody: Decodable, Sendable {
        var query: String
        var now: String?
        var constrain: Bool?
        var model: String?
    }

    /// `{"query", "now"?, "constrain"?, "dry_run"?, "max_rounds"?, "model"?}`.
    struct AgentBody: Decodable, Sendable {
        var query: String
        var now: String?
        var constrain: Bool?
        var dryRun: Bool?
        var maxRounds: Int?
        var model: String?
        enum CodingKeys: String, CodingKey { case query, now, constrain, model, dryRun = "dry_run", maxRounds = "max_rounds" }
    }

    /// Same JSON as `edgeagent plan --json` (`plan`, `steps`, `valid`, `errors`) plus `constrained` and `usage`.
    struct PlanOut: Encodable, Sendable {
        var plan: String
        var steps: [PlanStep]
        var valid: Bool
        var errors: [PlanDiagnostic]
        /// Whether decoding was schema-constrained.
        var constrained: Bool
    }

    struct StepOut: Encodable, Sendable {
        var index: Int
        var tool: String
        var args: [PlanValue]
        var status: String
        var observation: String
    }

    struct RoundOut: Encodable, Sendable {
        var plan: PlanOut
        var results: [StepOut]?
        var decision: String?
    }

    struct AgentOut: Encodable, Sendable {
        var status: String
        var answer: String
        var dryRun: Bool
        var rounds: [RoundOut]
        enum CodingKeys: String, CodingKey { case status, answer, rounds, dryRun = "dry_run" }
    }

    func plan(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await RequestValidation.decode(PlanBody.self, from: request, limit: configuration.maxBodyBytes)
        if let model = body.model { try RequestValidation.checkModel(model, served: configuration.modelId) }
        let query = try Self.query(body.query)
        let now = try Self.date(body.now)
        let (planner, constrained) = makePlanner(constrain: body.constrain ?? true)
        let result = try await withModel(context) { lm in
            try await planner(PlannerRequest(query: query, tools: runtime.schemas, now: now), in: ModuleContext(lm: lm))
        }
        return try JSONResponse.make(Self.planOut(result, constrained: constrained))
    }

    func agent(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await RequestValidation.decode(AgentBody.self, from: request, limit: configuration.maxBodyBytes)
        if let model = body.model { try RequestValidation.checkModel(model, served: configuration.modelId) }
        let query = try Self.query(body.query)
        let rounds = body.maxRounds ?? Agent.defaultMaxRounds
        guard (1...5).contains(rounds) else {
            throw APIError.invalid("'max_rounds' must be in 1…5, got \(rounds).", param: "max_rounds", code: "invalid_value")
        }
        let dryRun = body.dryRun ?? true
        var env = runtime.environment
        if let now = body.now {
            let date = try Self.date(now)
            env.clock = { date }
        }
        var runtime = self.runtime
        runtime.environment = env
        let (planner, constrained) = makePlanner(constrain: body.constrain ?? true)
        let agent = Agent(planner: planner, executor: PlanExecutor(runtime: runtime, dryRun: dryRun), maxRounds: rounds)
        let response = try await withModel(context) { lm in try await agent(query, in: ModuleContext(lm: lm)) }
        let out = AgentOut(
            status: response.status == .finished ? "finished" : "invalid_plan", answer: response.answer, dryRun: dryRun,
            rounds: response.rounds.map { round in
                RoundOut(plan: Self.planOut(round.planner, constrained: constrained),
                         results: round.run.map { $0.steps.map(Self.stepOut) },
                         decision: round.decision.map { d in
                             if case .finish = d.action { return "finish" } else { return "replan" }
                         })
            })
        return try JSONResponse.make(out)
    }

    /// A planner whose decoding follows the tool schemas (`constrain`, the default) or is free.
    private func makePlanner(constrain: Bool) -> (Planner, Bool) {
        let style = configuration.promptStyle
        guard constrain else { return (Planner(style: style), false) }
        let factory = planConstraint
        return (Planner(style: style, constraint: { _ in factory.make() }), true)
    }

    /// Runs `body` with a language model bound to a run slot (429 when the queue is full).
    private func withModel<T: Sendable>(_ context: ServerContext, _ body: (any LanguageModel) async throws -> T) async throws -> T {
        let lease = try await engine.admit()
        let cancel = CancellationFlag()
        context.onDisconnect { cancel.cancel() }
        let lm = modelOverride ?? EngineLanguageModel(engine: engine, lease: lease, cancel: cancel, name: configuration.modelId)
        do {
            let value = try await body(lm)
            await lease.release()
            return value
        } catch let error as AgentError {
            await lease.release()
            switch error {
            case .emptyRequest: throw APIError.invalid("'query' must not be empty.", param: "query", code: "invalid_value")
            case .contextOverflow(let n, let limit):
                throw APIError.invalid("The planner prompt has \(n) tokens; the context window is \(limit).", param: "query",
                                       code: "context_length_exceeded")
            default: throw APIError.server(error)
            }
        } catch {
            await lease.release()
            throw error
        }
    }

    static func query(_ text: String) throws(APIError) -> String {
        let q = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !q.isEmpty else { throw .invalid("'query' must not be empty.", param: "query", code: "invalid_value") }
        return q
    }

    /// `now` as ISO 8601 (`2024-05-01T09:00:00Z`) or a wall-clock time `YYYY-MM-DD HH:MM[:SS]` in the server's
    /// time zone (a dataset's `now`, as the prompt states it); absent = the current time.
    static func date(_ text: String?) throws(APIError) -> Date {
        guard let text else { return Date() }
        if let d = ISO8601DateFormatter().date(from: text) { return d }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = .current
        for format in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        throw .invalid("'now' must be an ISO 8601 date-time such as 2024-05-01T09:00:00Z.", param: "now", code: "invalid_value")
    }

    static func planOut(_ r: PlannerResult, constrained: Bool) -> PlanOut {
        PlanOut(plan: r.text, steps: r.plan.steps, valid: r.isValid, errors: r.errors, constrained: constrained)
    }

    static func stepOut(_ s: StepResult) -> StepOut {
        let status: String
        switch s.status {
        case .succeeded: status = "succeeded"
        case .failed: status = "failed"
        case .skipped: status = "skipped"
        case .declined: status = "declined"
        }
        return StepOut(index: s.index, tool: s.tool, args: s.arguments, status: status, observation: s.observation)
    }
}
