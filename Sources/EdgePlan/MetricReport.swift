import Foundation

/// Means of ``PlanScore`` over a group of examples.
public struct MetricSummary: Sendable, Equatable, Codable {
    public var n: Int
    /// Mean of ``PlanScore/success`` (TinyAgent's "success rate").
    public var successRate: Double
    public var toolRecall: Double
    public var stepAccuracy: Double
    public var meanEditDistance: Double
    /// Predictions whose DAG could not be built (scored 0).
    public var predictionErrors: Int
    /// Predictions truncated at an unknown tool.
    public var hallucinations: Int

    enum CodingKeys: String, CodingKey {
        case n, successRate = "success_rate", toolRecall = "tool_recall", stepAccuracy = "step_accuracy"
        case meanEditDistance = "mean_edit_distance", predictionErrors = "prediction_errors"
        case hallucinations
    }

    public init(_ scores: [PlanScore]) {
        n = scores.count
        let d = Double(max(scores.count, 1))
        successRate = scores.reduce(0) { $0 + $1.success } / d
        toolRecall = scores.reduce(0) { $0 + $1.toolRecall } / d
        stepAccuracy = scores.reduce(0) { $0 + $1.stepAccuracy } / d
        meanEditDistance = Double(scores.reduce(0) { $0 + $1.editDistance }) / d
        predictionErrors = scores.filter { $0.predictionError != nil }.count
        hallucinations = scores.filter { $0.hallucinatedTool != nil }.count
    }
}

/// Results of one tool: over the examples whose gold plan uses it.
public struct MetricToolSummary: Sendable, Equatable, Codable {
    public var tool: String
    /// Gold examples using the tool.
    public var n: Int
    /// Success rate over those examples.
    public var successRate: Double
    /// Fraction of those examples whose prediction also calls the tool.
    public var recall: Double
    /// Predictions that call the tool although their gold plan does not.
    public var falsePositives: Int

    enum CodingKeys: String, CodingKey {
        case tool, n, successRate = "success_rate", recall, falsePositives = "false_positives"
    }
}

/// The aggregate report of `edgeagent score`: overall, by number of gold steps (`join` excluded), by tool.
public struct MetricReport: Sendable, Equatable, Codable {
    public var overall: MetricSummary
    /// Keyed by the number of gold steps, ascending.
    public var bySteps: [Int: MetricSummary]
    /// Tools in first-seen order of the gold data.
    public var byTool: [MetricToolSummary]

    enum CodingKeys: String, CodingKey { case overall, bySteps = "by_steps", byTool = "by_tool" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        overall = try c.decode(MetricSummary.self, forKey: .overall)
        let steps = try c.decode([String: MetricSummary].self, forKey: .bySteps)
        bySteps = Dictionary(uniqueKeysWithValues: steps.compactMap { k, v in Int(k).map { ($0, v) } })
        byTool = try c.decode([MetricToolSummary].self, forKey: .byTool)
    }

    /// `by_steps` is a JSON object keyed by the step count as a string (`{"1": {…}, "2": {…}}`).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(overall, forKey: .overall)
        try c.encode(Dictionary(uniqueKeysWithValues: bySteps.map { (String($0.key), $0.value) }), forKey: .bySteps)
        try c.encode(byTool, forKey: .byTool)
    }

    public init(_ scores: [PlanScore]) {
        overall = MetricSummary(scores)
        bySteps = Dictionary(grouping: scores, by: \.goldSteps).mapValues(MetricSummary.init)
        var order: [String] = []
        var groups: [String: [PlanScore]] = [:]
        var falsePositives: [String: Int] = [:]
        for s in scores {
            for t in s.goldTools {
                if groups[t] == nil { order.append(t) }
                groups[t, default: []].append(s)
            }
            for t in s.predictedTools where !s.goldTools.contains(t) { falsePositives[t, default: 0] += 1 }
        }
        byTool = order.map { t in
            let g = groups[t] ?? []
            let d = Double(max(g.count, 1))
            return MetricToolSummary(
                tool: t, n: g.count,
                successRate: g.reduce(0) { $0 + $1.success } / d,
                recall: Double(g.filter { $0.predictedTools.contains(t) }.count) / d,
                falsePositives: falsePositives[t] ?? 0)
        }
    }

    /// A plain-text table for people.
    public var text: String {
        func pct(_ x: Double) -> String { String(format: "%6.2f%%", 100 * x) }
        var out = "examples \(overall.n)  success \(pct(overall.successRate))  tool recall \(pct(overall.toolRecall))"
        out += "  step accuracy \(pct(overall.stepAccuracy))"
        out += String(format: "  mean edit distance %.3f", overall.meanEditDistance)
        out += "\nprediction errors \(overall.predictionErrors)  hallucinated tools \(overall.hallucinations)\n"
        out += "\nsteps      n  success  tool recall  edit dist\n"
        for (k, s) in bySteps.sorted(by: { $0.key < $1.key }) {
            out += String(format: "%5d %6d  ", k, s.n) + pct(s.successRate) + "      " + pct(s.toolRecall)
            out += String(format: "  %9.3f\n", s.meanEditDistance)
        }
        out += "\ntool                         n  success   recall  false+\n"
        for t in byTool.sorted(by: { $0.tool < $1.tool }) {
            out += t.tool.padding(toLength: 24, withPad: " ", startingAt: 0)
            out += String(format: " %6d ", t.n) + pct(t.successRate) + " " + pct(t.recall)
            out += String(format: " %7d\n", t.falsePositives)
        }
        return out
    }
}
