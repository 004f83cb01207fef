/// Scores a prediction file against a gold file (both JSONL with `{"id", "plan"}`; other fields ignored).
public enum MetricFiles {
    /// Per-example scores in gold order, and the aggregate.
    public struct Result: Sendable {
        public var ids: [String]
        public var scores: [PlanScore]
        public var report: MetricReport
    }

    /// Reads both files, checks that they hold the same ids, and scores every example.
    ///
    /// Errors: unreadable/empty files, non-JSON lines, missing fields, duplicate ids (file and line);
    /// ids present in one file only (listed); a gold plan with an unknown tool, no steps, or an invalid
    /// DAG (file and line). Problems of predictions are not errors: they score 0.
    /// - Parameter progress: called with (done, total) every 256 examples and at the end.
    public static func score(goldPath: String, predPath: String, tools: Set<String> = TinyAgentParse.toolNames,
                             progress: (Int, Int) -> Void = { _, _ in }) throws(DatasetError) -> Result {
        let gold = try JSONLines.plans(goldPath)
        let pred = try JSONLines.plans(predPath)
        var predByID: [String: String] = [:]
        for p in pred { predByID[p.id] = p.plan }
        let goldIDs = Set(gold.map(\.id))
        let missing = gold.map(\.id).filter { predByID[$0] == nil }
        let extra = pred.map(\.id).filter { !goldIDs.contains($0) }
        guard missing.isEmpty && extra.isEmpty else {
            throw .mismatchedIDs(goldPath: goldPath, predPath: predPath, missingInPred: missing, extraInPred: extra)
        }
        var scores: [PlanScore] = []
        scores.reserveCapacity(gold.count)
        for (k, g) in gold.enumerated() {
            do {
                scores.append(try PlanMetric.score(gold: g.plan, prediction: predByID[g.id] ?? "", tools: tools))
            } catch {
                switch error {
                case .unknownGoldTool(let t): throw .unknownTool(path: goldPath, line: g.line, tool: t)
                default: throw .invalidPlan(path: goldPath, line: g.line, reason: error.description)
                }
            }
            if (k + 1) % 256 == 0 || k + 1 == gold.count { progress(k + 1, gold.count) }
        }
        return Result(ids: gold.map(\.id), scores: scores, report: MetricReport(scores))
    }
}
