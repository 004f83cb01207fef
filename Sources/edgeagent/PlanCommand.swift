import Dispatch
import ArgumentParser
import EdgeAgent
import EdgeInference
import EdgeModel
import EdgePlan
import Foundation

/// `--prompt-style`, `--no-constrain`, `--max-tokens`, `--context`, `--prompts`: how `plan` and `eval` ask for a plan.
struct PlanningOptions: ParsableArguments {
    /// Defaults, in one place (the prompt style's: the model's recorded style, else compact).
    static let defaultMaxTokens = 384
    static let defaultContext = 4096

    @Option(help: "Planner prompt: compact, full or minimal (default: the style the model was fine-tuned with, else compact).")
    var promptStyle: String?
    @Flag(help: "Decode without the schema constraint (plans may be invalid).")
    var noConstrain = false
    @Option(help: "Most tokens of one plan.")
    var maxTokens = Self.defaultMaxTokens
    @Option(help: "Context length in tokens (prompt + plan).")
    var context = Self.defaultContext
    @Option(help: "Directory of prompt templates (default: ./prompts or the checkout's).")
    var prompts: String?

    /// The style for `model` (its recorded style unless `--prompt-style` is given).
    func style(model: String?) throws -> PlanningPrompt.Style {
        try PlanningPrompt.style(option: promptStyle, model: model)
    }

    func check() throws {
        _ = try style(model: nil)
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard context >= 2 else { throw ValidationError("--context must be at least 2") }
    }
}

/// A loaded model ready to plan: the planner prompt of training (`PlanningPrompt`), the real model adapter,
/// the schema constraint (unless `--no-constrain`) and the validator, all for the 16 TinyAgent tools.
struct PlanSession {
    let model: GeneratorLanguageModel
    let prompt: PlanningPrompt
    let validator: PlanValidator
    let factory: PlanConstraintFactory?
    let maxTokens: Int
    /// 0 (greedy) unless sampling options ask for a temperature.
    let temperature: Float

    /// One plan: the model's text (without `<END_OF_PLAN>`), its validation and the call's counts.
    struct Outcome {
        var text: String
        var report: PlanValidationReport
        var completion: Completion
    }

    init(model options: ModelOptions, quantize: QuantizeOptions, planning: PlanningOptions, sampling: SamplingOptions) throws {
        let loaded = try options.load(quantize: quantize)
        let tools = try ToolSet.tinyAgent
        prompt = try PlanningPrompt.load(directory: planning.prompts, style: try planning.style(model: options.model), tools: tools)
        model = GeneratorLanguageModel(loaded, name: options.model, contextLength: planning.context, sampling: sampling.parameters)
        validator = PlanValidator(tools: tools)
        factory = planning.noConstrain ? nil
            : PlanConstraintFactory(tools: tools, tokenizer: loaded.tokenizer, vocabularySize: loaded.config.vocabSize,
                                    stopTokenIds: loaded.stopTokenIds)
        maxTokens = planning.maxTokens
        temperature = sampling.parameters.isGreedy ? 0 : sampling.parameters.temperature
    }

    /// Plans `query` with `now` (`YYYY-MM-DD HH:MM`, nil = the current time) in the prompt; `onText` receives
    /// the plan as it is generated.
    func plan(query: String, now: String?, onText: (@Sendable (String) -> Void)? = nil) async throws -> Outcome {
        let (messages, options) = try conversation(query: query, now: now)
        var completion: Completion?
        if let onText {
            for try await event in model.stream(messages, options: options) {
                switch event {
                case .text(let piece): onText(piece)
                case .done(let c): completion = c
                }
            }
        } else {
            completion = try await model.complete(messages, options: options)
        }
        guard let completion else { throw AgentError.model("the model stream ended without a result") }
        return outcome(completion)
    }

    /// The planner conversation for `query` and the completion options (stop at `<END_OF_PLAN>`, the constraint).
    func conversation(query: String, now: String?) throws -> ([ChatMessage], CompletionOptions) {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw AgentError.emptyRequest }
        let (system, user) = try prompt.messages(query: trimmed, now: now)
        var options = CompletionOptions(maxTokens: maxTokens, temperature: temperature, stopSequences: [Plan.endMarker])
        if let factory { options.constraint = { factory.make() } }
        return ([.system(system), .user(user)], options)
    }

    /// A finished completion as a validated plan.
    func outcome(_ completion: Completion) -> Outcome {
        let text = completion.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return Outcome(text: text, report: validator.validate(text), completion: completion)
    }

    /// Plans many requests with batched decoding (`slots` at a time). `onOutcome(i, outcome)` is called as each
    /// plan finishes (not in order). Greedy plans equal ``plan(query:now:onText:)``'s up to float rounding.
    /// Returns where the time went.
    func planBatch(_ requests: [(query: String, now: String?)], slots: Int,
                   onOutcome: (Int, Outcome) throws -> Void) throws -> BatchGenerator.Timing {
        let prepared = try requests.map { r in
            let (messages, options) = try conversation(query: r.query, now: r.now)
            return try model.generationRequest(messages, options: options)
        }
        let longest = prepared.map { $0.request.promptIds.count + $0.request.maxNewTokens }.max() ?? 1
        let batcher = BatchGenerator(model: model.loaded.model, tokenizer: model.loaded.tokenizer, slots: slots,
                                     contextLength: min(model.contextLength ?? longest, longest + 1))
        let start = DispatchTime.now().uptimeNanoseconds
        try batcher.generate(count: requests.count, request: { (prepared[$0].request, prepared[$0].constraint) }) { i, result in
            let latency = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            try onOutcome(i, outcome(GeneratorLanguageModel.completion(result, latency: latency)))
        }
        return batcher.timing
    }
}

/// `edgeagent plan --model M "request" [--json]`: one plan for a request, with its validation.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan a request as TinyAgent tool calls (schema-constrained by default) and validate the plan.",
        discussion: """
            The prompt is the planner conversation used by finetune (prompts/planner_<style>.txt + planner_user.txt),
            decoding is greedy unless --temperature is given, and the plan is validated against the 16 TinyAgent
            tools. --json prints {"plan", "steps": [{"index", "tool", "args"}], "valid", "errors": [{"line", "message"}]}.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var quantize: QuantizeOptions
    @OptionGroup var planning: PlanningOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Date and time the prompt states as now, YYYY-MM-DD HH:MM (default: the current time).")
    var now: String?
    @Argument(help: "What the agent should do.")
    var request: String

    /// The `--json` shape (also the server's `/v1/plan`).
    struct JSONPlan: Encodable {
        var plan: String
        var steps: [PlanStep]
        var valid: Bool
        var errors: [PlanDiagnostic]
    }

    /// Streams a piece of the plan to stdout unbuffered.
    @Sendable static func writeOut(_ piece: String) {
        FileHandle(fileDescriptor: 1, closeOnDealloc: false).write(Data(piece.utf8))
    }

    func validate() throws {
        try planning.check()
        if let now, PlanningPrompt.parseNow(now) == nil {
            throw ValidationError("--now must be YYYY-MM-DD HH:MM, got \(now)")
        }
    }

    func run() async throws {
        guard !request.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw AgentError.emptyRequest }
        try threads.apply()
        let session = try PlanSession(model: modelOptions, quantize: quantize, planning: planning, sampling: sampling)
        let outcome = try await session.plan(query: request, now: now, onText: output.json ? nil : Self.writeOut)
        let report = outcome.report
        if output.json {
            try Console.printJSON(JSONPlan(plan: outcome.text, steps: report.plan.steps, valid: report.valid, errors: report.errors))
            return
        }
        print("")
        if report.valid {
            print("valid plan: \(report.plan.steps.count) steps")
        } else {
            print("invalid plan:")
            for e in report.errors { print("  line \(e.line): \(e.message)") }
        }
        let c = outcome.completion
        FileHandle.standardError.write(Data(String(format: "[%d prompt tokens, %d generated in %.2f s, %@]\n", c.promptTokens,
                                                   c.completionTokens, c.latency, c.finishReason.rawValue).utf8))
    }
}
