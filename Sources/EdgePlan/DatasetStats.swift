import Foundation

/// Counts over a dataset file (`edgeagent data stats`).
public struct DatasetStats: Sendable, Equatable, Codable {
    public var examples: Int
    /// Examples per number of plan steps (`join` excluded), keyed by the count as a string.
    public var bySteps: [String: Int]
    /// Per tool: examples whose plan uses it, and total calls.
    public var byTool: [String: ToolCount]
    /// Examples per split (synthetic sources only; others count as "unknown").
    public var bySplit: [String: Int]
    /// Examples per source kind (`synthetic`, `tinyagent`, …: the part of `source` before `:`).
    public var bySource: [String: Int]
    /// Distinct templates (synthetic) and intents used.
    public var templates: Int
    public var intents: Int
    /// Examples whose plan has a dependency (`$N`) / two or more independent roots (a fan-out).
    public var withDependencies: Int
    public var withParallelSteps: Int
    public var meanQueryCharacters: Double

    public struct ToolCount: Sendable, Equatable, Codable {
        public var examples: Int
        public var calls: Int

        public init(examples: Int, calls: Int) {
            self.examples = examples
            self.calls = calls
        }
    }

    enum CodingKeys: String, CodingKey {
        case examples, bySteps = "by_steps", byTool = "by_tool", bySplit = "by_split", bySource = "by_source"
        case templates, intents, withDependencies = "with_dependencies", withParallelSteps = "with_parallel_steps"
        case meanQueryCharacters = "mean_query_characters"
    }

    /// Computes the counts; plans are read with TinyAgent's parser (as the metric reads them).
    public init(_ data: [DatasetExample]) {
        examples = data.count
        bySteps = [:]
        byTool = [:]
        bySplit = [:]
        bySource = [:]
        withDependencies = 0
        withParallelSteps = 0
        var templateSet = Set<String>(), intentSet = Set<String>()
        var chars = 0
        for e in data {
            chars += e.query.count
            let steps = TinyAgentParse.steps(e.plan).filter { $0.tool != ToolSet.joinName }
            bySteps[String(steps.count), default: 0] += 1
            for t in Set(steps.map(\.tool)) { byTool[t, default: ToolCount(examples: 0, calls: 0)].examples += 1 }
            for s in steps { byTool[s.tool, default: ToolCount(examples: 0, calls: 0)].calls += 1 }
            let deps = steps.map { PlanDAG.references(in: $0.arguments) }
            if deps.contains(where: { !$0.isEmpty }) { withDependencies += 1 }
            // Parallel: two steps with no path between them (roots of a fan-out or independent branches).
            if Self.hasParallelSteps(deps) { withParallelSteps += 1 }
            let kind = e.source.split(separator: ":").first.map(String.init) ?? e.source
            bySource[kind, default: 0] += 1
            bySplit[DataGenerator.split(of: e)?.rawValue ?? "unknown", default: 0] += 1
            if let t = e.template {
                for id in t.split(separator: "+") {
                    templateSet.insert(String(id))
                    intentSet.insert(String(id.split(separator: "/").first ?? id))
                }
            }
        }
        templates = templateSet.count
        intents = intentSet.count
        meanQueryCharacters = data.isEmpty ? 0 : Double(chars) / Double(data.count)
    }

    /// True when some two steps are not ordered by dependencies (so they could run in parallel).
    static func hasParallelSteps(_ deps: [[Int]]) -> Bool {
        let n = deps.count
        guard n >= 2 else { return false }
        // reach[i] = steps (0-based) that step i depends on, transitively; deps are 1-based and earlier.
        var reach = [Set<Int>](repeating: [], count: n)
        for i in 0..<n {
            for d in deps[i] where d >= 1 && d - 1 < i { reach[i].insert(d - 1); reach[i].formUnion(reach[d - 1]) }
        }
        for i in 0..<n { for j in (i + 1)..<n where !reach[j].contains(i) { return true } }
        return false
    }

    /// A plain-text summary for people.
    public var text: String {
        var out = "examples \(examples)  templates \(templates)  intents \(intents)"
        out += String(format: "  mean query length %.1f chars\n", meanQueryCharacters)
        out += "with dependencies \(withDependencies)  with parallel steps \(withParallelSteps)\n"
        out += "sources: " + bySource.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        out += "splits: " + bySplit.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        out += "\nsteps  examples\n"
        for (k, v) in bySteps.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
            out += k.padding(toLength: 5, withPad: " ", startingAt: 0) + String(format: " %9d\n", v)
        }
        out += "\ntool                     examples     calls\n"
        for (t, c) in byTool.sorted(by: { $0.key < $1.key }) {
            out += t.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: " %8d %9d\n", c.examples, c.calls)
        }
        return out
    }
}
