import ArgumentParser
import Dispatch
import EdgeAgent
import EdgeInference
import EdgePlan
import EdgeReport
import Foundation

/// `edgeagent eval --model M --data F [--limit N] [--json]`: plans every example and scores it with TinyAgent's metric.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Plan every request of a dataset and score the plans against the gold plans (TinyAgent's metric).",
        discussion: """
            Each example is planned with its own "now" in the prompt, as in training (prompt style, constraint and
            decoding as in `plan`: compact, constrained, greedy by default). Success rate is TinyAgent's DAG
            isomorphism, tool recall and edit distance are TinyAgent's, valid-plan rate is PlanValidator's verdict.
            --json prints {"n", "success_rate", "tool_recall", "valid_plan_rate", "mean_edit_distance", "plans_per_s"};
            --result FILE writes the same fields plus "data", "model", "prompt_style" and "wall_s" (atomically), so a
            run directory can hold eval.json next to summary.json for `edgeagent report`.
            A summary of tokens and the constraint's cost goes to stderr.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var quantize: QuantizeOptions
    @OptionGroup var planning: PlanningOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Planning data (JSONL: id, query, plan, now, …).")
    var data: String
    @Option(help: "Use only the first N examples.")
    var limit: Int?
    @Option(help: "Also write the result as JSON to this file (e.g. RUN/eval.json for `report`), with data, model, prompt_style, wall_s.")
    var result: String?
    @Option(help: "Also write each prediction as JSONL {\"id\", \"plan\", \"valid\", \"success\"} (scorable with `score`).")
    var predictions: String?

    @Option(help: "Requests decoded together (batched decode: the weights are read once per step for all of them; 1 = one at a time). Fastest with F32 weights (no --quantize).")
    var batch = 1

    struct Prediction: Encodable {
        var id: String
        var plan: String
        var valid: Bool
        var success: Double
    }

    func validate() throws {
        try planning.check()
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
    }

    func run() async throws {
        var examples = try JSONLines.examples(data)
        if let limit { examples = Array(examples.prefix(limit)) }
        guard !examples.isEmpty else { throw DatasetError.emptyFile(path: data) }
        if let result { try EvalResult.checkWritable(result) }
        try threads.apply()
        let session = try PlanSession(model: modelOptions, quantize: quantize, planning: planning, sampling: sampling)
        let bar = ProgressBar("eval", total: examples.count, unit: "plans")
        var scores = [PlanScore?](repeating: nil, count: examples.count)
        var predicted = [Prediction?](repeating: nil, count: examples.count)
        var valid = 0, promptTokens = 0, generated = 0, done = 0, successSum = 0.0
        let start = DispatchTime.now().uptimeNanoseconds
        func record(_ k: Int, _ outcome: PlanSession.Outcome) throws {
            let e = examples[k]
            let score: PlanScore
            do {
                score = try PlanMetric.score(gold: e.plan, prediction: outcome.text)
            } catch {
                throw DatasetError.invalidPlan(path: data, line: k + 1, reason: "gold plan of \(e.id): \(error.description)")
            }
            scores[k] = score
            if outcome.report.valid { valid += 1 }
            promptTokens += outcome.completion.promptTokens
            generated += outcome.completion.completionTokens
            predicted[k] = Prediction(id: e.id, plan: outcome.text, valid: outcome.report.valid, success: score.success)
            done += 1
            successSum += score.success
            bar.update(done, extra: String(format: "success %.2f valid %.2f", successSum / Double(done), Double(valid) / Double(done)))
        }
        var timing: BatchGenerator.Timing?
        if batch > 1 {
            timing = try session.planBatch(examples.map { ($0.query, $0.now) }, slots: batch, onOutcome: record)
        } else {
            for (k, e) in examples.enumerated() { try record(k, try await session.plan(query: e.query, now: e.now)) }
        }
        bar.finish()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let overall = MetricReport(scores.map { $0! }).overall
        let result = EvalResult(n: scores.count, successRate: overall.successRate, toolRecall: overall.toolRecall,
                                validPlanRate: Double(valid) / Double(scores.count), meanEditDistance: overall.meanEditDistance,
                                plansPerSecond: Double(scores.count) / max(seconds, 1e-9))
        if let predictions { try writePredictions(predicted.map { $0! }, to: predictions) }
        if let path = self.result {
            var full = result
            (full.data, full.model, full.promptStyle, full.wallSeconds) = (data, modelOptions.model, planning.promptStyle, seconds)
            try full.write(to: path)
        }
        if output.json {
            try Console.printJSON(result)
        } else {
            print(String(format: "n %d  success_rate %.3f  tool_recall %.3f  valid_plan_rate %.3f  mean_edit_distance %.2f  plans_per_s %.3f",
                         result.n, result.successRate, result.toolRecall, result.validPlanRate, result.meanEditDistance,
                         result.plansPerSecond))
        }
        var summary = String(format: "[%d prompt tokens, %d generated, %.1f s, %.2f ms per generated token incl. prefill",
                             promptTokens, generated, seconds, seconds * 1000 / Double(max(generated, 1)))
        if let t = timing {
            summary += String(format: "; prefill %.1f s, %d batched steps %.1f s (%.1f ms each), per-stream work %.1f s",
                              t.prefillSeconds, t.steps, t.stepSeconds, t.stepSeconds * 1000 / Double(max(t.steps, 1)), t.streamSeconds)
        }
        if let factory = session.factory {
            let t = factory.acceptTiming, c = factory.cacheStatistics
            summary += String(format: "; constraint %.3f ms/token in accept over %d tokens, mask sweep %.3f ms/token, cache %d hits / %d misses",
                              t.seconds * 1000 / Double(max(t.tokens, 1)), t.tokens, Self.sweepMilliseconds(factory), c.hits, c.misses)
        }
        FileHandle.standardError.write(Data((summary + "]\n").utf8))
    }

    /// What the sampler pays per token besides `accept`: one `allows` call per vocabulary id (best of 5 sweeps).
    static func sweepMilliseconds(_ factory: PlanConstraintFactory) -> Double {
        let c: any TokenConstraint = factory.make()
        let n = Int32(factory.vocabulary.count)
        var best = Double.infinity, allowed = 0
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for id in 0..<n where c.allows(id) { allowed += 1 }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return allowed >= 0 ? best : 0
    }

    private func writePredictions(_ rows: [Prediction], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for row in rows {
            data += try encoder.encode(row)
            data += Data("\n".utf8)
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DatasetError.unwritable(path: path, reason: error.localizedDescription)
        }
    }
}
