// The plan grammar of schema-constrained decoding, compiled from a `ToolSet` into flat tables that the
// byte automaton (PlanAutomaton.swift) reads on every byte.
//
// Accepted plans are the canonical LLMCompiler form (reference/tinyagent.md §2.2), one step per line:
//
//     plan   := step* joinStep
//     step   := N ". " tool "(" args ")" "\n"          N = 1, 2, 3, … in order
//     joinStep := N ". join()" ["\n"] "<END_OF_PLAN>"
//     args   := [value (", " value)*]                  count between the schema's minimum and its arity
//     value  := string | int | float | True | False | None | "[" [value (", " value)*] "]"   per the schema type
//
// Strings are double-quoted, with escapes `\n \t \r \\ \" \'`, valid UTF-8 and no control characters; a `$`
// followed by digits inside a string must name an earlier step (`$N`, 1 ≤ N < current step), `${` is refused.
// `None` is allowed only for optional arguments. Not accepted (simplifications, all still valid plans when
// written by hand): `Thought:` lines, blank lines, single quotes, bare `$N`, extra spaces, a lone value where
// the schema wants a list. Everything accepted validates with `PlanValidator` against the same tools.
import EdgePlan

/// What an argument position expects, with list nesting unwrapped (`array(string)` at depth 1 is `string`).
enum PlanValueKind: UInt8, Sendable {
    case string, integer, number, boolean, any, array

    /// Fewest bytes of a value of this kind: `""`, `0`, `True`, `[]`.
    var minimumBytes: Int {
        switch self {
        case .string, .array: return 2
        case .integer, .number, .any: return 1
        case .boolean: return 4
        }
    }
}

/// The tool schemas as tables: per tool its name, per argument and list depth the value kind, whether
/// the argument is required, and the fewest bytes a call can still take; plus a trie of tool names.
public final class PlanGrammar: Sendable {
    /// Deepest list nesting inside one argument (`any` arguments may nest lists up to this depth).
    static let maxDepth = 4
    /// `<END_OF_PLAN>` as bytes.
    static let endMarker = Array(Plan.endMarker.utf8)

    struct Tool: Sendable {
        var name: [UInt8]
        /// kinds[arg][depth], depth 0..<maxDepth.
        var kinds: [[PlanValueKind]]
        var required: [Bool]
        var minimumArguments: Int
        var isJoin: Bool
        /// restAfter[k]: fewest bytes after argument k is complete (at depth 0) up to and including `)`:
        /// the remaining required arguments `, v` and the closing parenthesis. restAfter[argCount] is for `()`.
        var restAfter: [Int]
        /// Fewest bytes from `(` to `)` inclusive.
        var minimumCall: Int
        var argumentCount: Int { kinds.count }
    }

    let tools: [Tool]
    /// Tool-name trie over ASCII: next[node * 128 + byte] is the child node or -1.
    let trieNext: [Int32]
    /// The tool whose name ends at a node, or -1.
    let trieTool: [Int32]
    /// Bytes from the root to a node.
    let trieDepth: [Int32]
    /// Tools whose names pass through a node.
    let trieTools: [[Int32]]

    /// The tool set the grammar was built from.
    public let toolSet: ToolSet

    /// Compiles `tools` (`join` is always included, as the last tool).
    public init(tools: ToolSet) {
        toolSet = tools
        var list: [Tool] = []
        for name in tools.names {
            guard let schema = tools[name] else { continue }
            list.append(Self.compile(schema))
        }
        self.tools = list
        var next: [Int32] = Array(repeating: -1, count: 128)
        var tool: [Int32] = [-1], depth: [Int32] = [0], through: [[Int32]] = [[]]
        for (t, entry) in list.enumerated() {
            var node = 0
            through[0].append(Int32(t))
            for b in entry.name where b < 128 {
                var child = Int(next[node * 128 + Int(b)])
                if child < 0 {
                    child = tool.count
                    next[node * 128 + Int(b)] = Int32(child)
                    next += Array(repeating: -1, count: 128)
                    tool.append(-1)
                    depth.append(depth[node] + 1)
                    through.append([])
                }
                node = child
                through[node].append(Int32(t))
            }
            tool[node] = Int32(t)
        }
        (trieNext, trieTool, trieDepth, trieTools) = (next, tool, depth, through)
    }

    private static func compile(_ schema: ToolSchema) -> Tool {
        // Kinds per list depth; a scalar repeats below itself (unreachable: `[` needs an array or any).
        func kinds(_ type: ToolValueType) -> [PlanValueKind] {
            var out: [PlanValueKind] = [], t = type
            while out.count < maxDepth {
                switch t {
                case .array(let item): out.append(.array); t = item
                case .string: out.append(.string)
                case .integer: out.append(.integer)
                case .number: out.append(.number)
                case .boolean: out.append(.boolean)
                case .any: out.append(.any)
                }
            }
            return out
        }
        // Non-ASCII names cannot be spelled by the trie; such a tool is unreachable (names are identifiers).
        let argKinds = schema.arguments.map { kinds($0.type) }
        let required = schema.arguments.map(\.isRequired)
        let minimum = schema.minimumArgumentCount
        var rest = Array(repeating: 1, count: argKinds.count + 1)
        for k in stride(from: argKinds.count - 1, through: 0, by: -1) {
            // After argument k: the arguments k+1..<minimum, each ", " + smallest value, then ")".
            rest[k] = k + 1 < minimum ? 2 + argKinds[k + 1][0].minimumBytes + rest[k + 1] : 1
        }
        let call = minimum == 0 ? 2 : 1 + argKinds[0][0].minimumBytes + rest[0]
        return Tool(name: Array(schema.name.utf8), kinds: argKinds, required: required, minimumArguments: minimum,
                    isJoin: schema.name == ToolSet.joinName, restAfter: rest, minimumCall: call)
    }

    /// Fewest bytes after a step's closing `)`: `\n` + `N+1. join()` + end marker, or the end marker after join.
    static func afterStep(step: Int, isJoin: Bool) -> Int {
        isJoin ? endMarker.count : 1 + digitCount(step + 1) + 2 + 6 + endMarker.count
    }

    static func digitCount(_ n: Int) -> Int {
        var d = 1, v = n
        while v >= 10 { v /= 10; d += 1 }
        return d
    }

    /// Decimal digit `position` (0 = most significant) of `n`, as ASCII.
    static func digit(of n: Int, at position: Int, count: Int) -> UInt8 {
        var v = n
        for _ in 0..<(count - 1 - position) { v /= 10 }
        return UInt8(0x30 + v % 10)
    }
}
