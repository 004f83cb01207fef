// The plan DAG exactly as TinyAgent's metric builds it: SqueezeAILab/TinyAgent
// src/utils/graph_utils.py @ 0074615 (`build_graph`, `node_match`); reference/tinyagent.md §5.1.

/// Why TinyAgent's `build_graph` (or the later `node_match`) raises on a plan; the metric scores it 0.
public enum PlanDAGError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `$N` with N past the last step: Python `IndexError`.
    case referenceOutOfRange(step: Int, reference: Int, stepCount: Int)
    /// `$0`: Python index −1 names the last step but adds an attribute-less node `"0: …"`, so `node_match` raises `KeyError`.
    case zeroReference(step: Int)
    /// A step whose first `$N` is itself: the reference's "Circular dependency detected" `ValueError`.
    case selfReference(step: Int)
    /// Steps that depend on each other in a loop: unbounded recursion (`RecursionError`) in the reference.
    case cycle(steps: [Int])

    public var description: String {
        switch self {
        case .referenceOutOfRange(let step, let reference, let count):
            return "step \(step) refers to $\(reference) but the plan has \(count) step\(count == 1 ? "" : "s")"
        case .zeroReference(let step):
            return "step \(step) refers to $0; steps are numbered from 1"
        case .selfReference(let step):
            return "step \(step) refers to its own output"
        case .cycle(let steps):
            return "steps \(steps.map(String.init).joined(separator: ", ")) depend on each other in a cycle"
        }
    }
}

/// A plan as a DAG: node = step (position in the parsed step list), edge = `$N` dependency found the
/// way TinyAgent finds it. `join` is a node like any other; having no arguments it is isolated.
///
/// Dependency detection (`add_dependencies`): for each top-level argument, a string contributes its
/// first `$N` (regex `\$\d+`), a list contributes the first `$N` of each string element (one level
/// deep); tuples, dicts, sets, nested lists and numbers contribute nothing. `$N` means the N-th parsed
/// step by position (not by the number written), and every occurrence counts (a `$1` used twice gives
/// two dependency entries but one edge).
public struct PlanDAG: Sendable, Equatable {
    /// Tool name of each node (node k is the (k+1)-th parsed step).
    public let tools: [String]
    /// Direct dependencies of each node, in argument order, with repeats: the reference's `dependencies`
    /// attribute is the recursive unfolding of these lists.
    public let dependencies: [[Int]]
    /// Edges `from → to` (dependency → dependent), without repeats.
    public let edges: Set<Edge>

    /// A directed edge between node positions.
    public struct Edge: Sendable, Hashable {
        public var from: Int
        public var to: Int
    }

    /// Builds the DAG of parsed steps; throws where the reference raises.
    public init(steps: [TinyAgentStep]) throws(PlanDAGError) {
        let n = steps.count
        var deps: [[Int]] = []
        var edges = Set<Edge>()
        for (i, step) in steps.enumerated() {
            var list: [Int] = []
            for ref in Self.references(in: step.arguments) {
                // Python: function_calls[int(d) - 1]; negative indices wrap, past the end raises.
                if ref == 0 { throw .zeroReference(step: i + 1) }
                guard ref <= n else { throw .referenceOutOfRange(step: i + 1, reference: ref, stepCount: n) }
                if ref == i + 1 { throw .selfReference(step: i + 1) }
                list.append(ref - 1)
                edges.insert(Edge(from: ref - 1, to: i))
            }
            deps.append(list)
        }
        if let cycle = Self.findCycle(deps) { throw .cycle(steps: cycle.map { $0 + 1 }) }
        self.tools = steps.map(\.tool)
        self.dependencies = deps
        self.edges = edges
    }

    /// Parses `text` as TinyAgent does (``TinyAgentParse/steps(_:tools:)``) and builds its DAG.
    public init(text: String) throws(PlanDAGError) {
        try self.init(steps: TinyAgentParse.steps(text))
    }

    public var nodeCount: Int { tools.count }

    /// The first-`$N` numbers an argument list contributes, in order (see the type's documentation).
    public static func references(in arguments: [TinyAgentValue]) -> [Int] {
        var out: [Int] = []
        for argument in arguments {
            switch argument {
            case .string(let s):
                if let d = TinyAgentParse.firstDependency(in: s) { out.append(d) }
            case .list(let items):
                for case .string(let s) in items {
                    if let d = TinyAgentParse.firstDependency(in: s) { out.append(d) }
                }
            default:
                break
            }
        }
        return out
    }

    /// A dependency cycle (node positions), if any. Self-references are rejected before this.
    static func findCycle(_ deps: [[Int]]) -> [Int]? {
        var state = [UInt8](repeating: 0, count: deps.count)   // 0 new, 1 on path, 2 done
        var path: [Int] = []
        func visit(_ v: Int) -> [Int]? {
            state[v] = 1
            path.append(v)
            for d in deps[v] {
                if state[d] == 1, let start = path.firstIndex(of: d) { return Array(path[start...]) }
                if state[d] == 0, let c = visit(d) { return c }
            }
            path.removeLast()
            state[v] = 2
            return nil
        }
        for v in deps.indices where state[v] == 0 {
            if let c = visit(v) { return c }
        }
        return nil
    }
}

/// TinyAgent's `node_match` between the nodes of two DAGs, memoized over node pairs.
///
/// `match(a, b)` ⇔ same tool name, and the dependency lists have the same length and match pairwise
/// after a *stable* sort by tool name (code-point order), recursively. Ties keep argument order, so two
/// same-named dependencies written in the other order can fail to match (the reference's quirk).
struct PlanDAGNodeMatcher {
    let g1: PlanDAG
    let g2: PlanDAG
    private var memo: [Int8]   // -1 unknown, 0 false, 1 true; index a * n2 + b

    init(_ g1: PlanDAG, _ g2: PlanDAG) {
        self.g1 = g1
        self.g2 = g2
        memo = [Int8](repeating: -1, count: g1.nodeCount * g2.nodeCount)
    }

    mutating func matches(_ a: Int, _ b: Int) -> Bool {
        let key = a * g2.nodeCount + b
        if memo[key] >= 0 { return memo[key] == 1 }
        var result = g1.tools[a] == g2.tools[b]
        if result {
            let d1 = Self.stableSorted(g1.dependencies[a], g1.tools)
            let d2 = Self.stableSorted(g2.dependencies[b], g2.tools)
            result = d1.count == d2.count
            var k = 0
            while result && k < d1.count {
                result = matches(d1[k], d2[k])
                k += 1
            }
        }
        memo[key] = result ? 1 : 0
        return result
    }

    /// Python `sorted(deps, key=lambda x: x["tool_name"])`: stable, by code points.
    static func stableSorted(_ deps: [Int], _ tools: [String]) -> [Int] {
        deps.enumerated().sorted { x, y in
            let a = tools[x.element], b = tools[y.element]
            if a != b { return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) }
            return x.offset < y.offset
        }.map(\.element)
    }
}
