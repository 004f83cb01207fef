// TinyAgent's plan metrics (reference/tinyagent.md §5, §8): SqueezeAILab/TinyAgent
// src/utils/plan_utils.py and src/utils/graph_utils.py @ 0074615. Both plans are read with
// ``TinyAgentParse`` (TinyAgent's regexes and literal_eval), never with the strict parser.

/// The metrics of one predicted plan against its gold plan.
public struct PlanScore: Sendable, Equatable, Codable {
    /// `compare_graphs_with_success_rate`: 1 when the DAGs are isomorphic under `node_match`, else 0
    /// (also 0 when the prediction's DAG cannot be built: "any exception scores 0").
    public var success: Double
    /// `evaluate_tool_recall`: |gold tools ∩ predicted tools| / |gold tools|, over sets of names, `join` included.
    public var toolRecall: Double
    /// `evaluate_plan`: positional tool-name agreement over `zip(gold, pred)`, divided by the gold length.
    public var stepAccuracy: Double
    /// `compare_graphs_with_edit_distance` (see ``PlanDAG/editDistance(to:budget:)``). When the
    /// prediction's DAG cannot be built (the reference raises), this is |V_gold| + |E_gold|: the
    /// distance from an empty prediction, so a broken plan is never cheaper than no plan.
    public var editDistance: Int
    /// Why the prediction's DAG could not be built (the reference raises), if it could not.
    public var predictionError: String?
    /// The first unknown tool of the prediction, which truncated it ("Tool hallucination error").
    public var hallucinatedTool: String?
    /// Gold steps, `join` excluded (the "number of steps" used to group results).
    public var goldSteps: Int
    /// Distinct gold tool names, `join` excluded.
    public var goldTools: [String]
    /// Distinct predicted tool names, `join` excluded (after truncation).
    public var predictedTools: [String]

    enum CodingKeys: String, CodingKey {
        case success, toolRecall = "tool_recall", stepAccuracy = "step_accuracy", editDistance = "edit_distance"
        case predictionError = "prediction_error", hallucinatedTool = "hallucinated_tool"
        case goldSteps = "gold_steps", goldTools = "gold_tools", predictedTools = "predicted_tools"
    }
}

/// A gold plan the metric cannot use; a data error, reported with the example.
public enum MetricError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The gold plan has no step TinyAgent's regex recognises.
    case emptyGold
    /// The gold plan calls a tool outside the tool set (TinyAgent would silently truncate it).
    case unknownGoldTool(String)
    /// The gold plan's DAG cannot be built.
    case invalidGold(PlanDAGError)

    public var description: String {
        switch self {
        case .emptyGold: return "gold plan has no steps (expected lines like `1. tool(args)`)"
        case .unknownGoldTool(let t): return "gold plan uses unknown tool '\(t)'"
        case .invalidGold(let e): return "gold plan is not a valid DAG: \(e)"
        }
    }
}

/// TinyAgent's metrics on plan text.
public enum PlanMetric {
    /// Scores `prediction` against `gold`. Throws only for a bad gold plan; a bad prediction scores 0.
    /// - Parameter tools: tool names that parse (TinyAgent's 16 plus `join` by default); anything
    ///   else truncates the prediction.
    public static func score(gold: String, prediction: String,
                             tools: Set<String> = TinyAgentParse.toolNames) throws(MetricError) -> PlanScore {
        let g = TinyAgentParse.parse(gold, tools: tools)
        if let unknown = g.unknownTool { throw .unknownGoldTool(unknown) }
        let p = TinyAgentParse.parse(prediction, tools: tools)
        var s = try score(gold: g.steps, prediction: p.steps)
        s.hallucinatedTool = p.unknownTool
        return s
    }

    /// Scores parsed steps (see ``TinyAgentParse/steps(_:tools:)``).
    public static func score(gold: [TinyAgentStep], prediction: [TinyAgentStep]) throws(MetricError) -> PlanScore {
        guard !gold.isEmpty else { throw .emptyGold }
        let goldDAG: PlanDAG
        do { goldDAG = try PlanDAG(steps: gold) } catch { throw .invalidGold(error) }
        var success = 0.0
        var distance = goldDAG.nodeCount + goldDAG.edges.count
        var failure: String?
        do {
            let predDAG = try PlanDAG(steps: prediction)
            // The reference calls compare_*(pred, label): the prediction is graph 1.
            if predDAG.isIsomorphic(to: goldDAG) {
                success = 1
                distance = 0
            } else {
                distance = predDAG.editDistance(to: goldDAG)
            }
        } catch {
            failure = error.description
        }
        return PlanScore(
            success: success,
            toolRecall: toolRecall(gold: gold, prediction: prediction),
            stepAccuracy: stepAccuracy(gold: gold, prediction: prediction),
            editDistance: distance,
            predictionError: failure,
            hallucinatedTool: nil,
            goldSteps: gold.filter { $0.tool != ToolSet.joinName }.count,
            goldTools: distinct(gold.map(\.tool)),
            predictedTools: distinct(prediction.map(\.tool)))
    }

    /// `evaluate_tool_recall`: |set(gold names) ∩ set(pred names)| / |set(gold names)|, `join` included.
    public static func toolRecall(gold: [TinyAgentStep], prediction: [TinyAgentStep]) -> Double {
        let g = Set(gold.map(\.tool)), p = Set(prediction.map(\.tool))
        return g.isEmpty ? 0 : Double(g.intersection(p).count) / Double(g.count)
    }

    /// `evaluate_plan`: #{i : gold[i].tool == pred[i].tool over zip} / len(gold).
    public static func stepAccuracy(gold: [TinyAgentStep], prediction: [TinyAgentStep]) -> Double {
        guard !gold.isEmpty else { return 0 }
        let same = zip(gold, prediction).filter { $0.tool == $1.tool }.count
        return Double(same) / Double(gold.count)
    }

    private static func distinct(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { $0 != ToolSet.joinName && seen.insert($0).inserted }
    }
}
