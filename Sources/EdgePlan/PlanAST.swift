// EdgePlan public API (plans):
//
//   Plan                        the AST of one LLMCompiler plan: items (thoughts and steps) + end marker
//     .steps, .thoughts         convenience views
//     Plan.parse(_:)            strict parse, throws EdgePlanError.syntax(line:column:message:) on the first error
//     .text / .description      canonical text (PlanPrinter); Plan.parse(p.text) == p for every valid plan
//   PlanStep                    `index. tool(arguments)`; .references ($N inside arguments), .isJoin, .line
//   PlanThought                 `Thought: text`
//   PlanValue                   Python literal: string, int, float, bool, none, list, tuple, bare reference
//   PlanReference               `$N` / `${N}`
//   PlanParser.parse(_:)        error-recovering parse → PlanParseResult(plan, diagnostics)
//   PlanParser.parseArguments   the argument list of one call, e.g. `"a", ["$1"], None`
//   PlanParser.prefixStatus(_:) is a text a complete plan, a valid prefix of one, or neither (syntax only)
//   PlanLexer                   reusable tokenizer of one line of arguments (Python literals and $N)
//   PlanPrinter                 canonical text of plans and values
//   PlanValidator(tools:)       .validate(text) → PlanValidationReport (all problems, each with its line)
//                               .validate(plan) → [PlanDiagnostic]
//   PlanValidationReport        Codable as {"valid": bool, "errors": [{"line": n, "message": "…"}]}
//   PlanDiagnostic              line, column (Swift only), message
//   ToolSet / ToolSchema        tool schemas: ToolSet.load(path:), ToolSet.tinyAgent (built in)
//   PlanStep/PlanValue JSON     Encodable as {"index", "tool", "args"} (PlanJSON.swift)
//
// Format (reference/tinyagent.md §2.2): one item per line, blank lines ignored,
//   Thought: free text
//   1. get_email_address("Sam")
//   2. send_sms(["$1"], "Running late")
//   3. join()
//   <END_OF_PLAN>
// `<END_OF_PLAN>` may also follow `join()` on its line and may be missing (a stop sequence cuts it off).
// Steps are kept as written (numbers, order, steps after join): the validator, not the parser,
// judges numbering, tools, arity, types and references. TinyAgent's own quirks (a lone list argument
// splatted, named arguments as one string, only the first $N of a string) belong to the metric code.

/// A `$N` or `${N}` reference to the output of step N.
public struct PlanReference: Sendable, Hashable, CustomStringConvertible {
    /// The step number N.
    public var step: Int
    /// Written `${N}` rather than `$N`.
    public var braced: Bool

    public init(step: Int, braced: Bool = false) {
        self.step = step
        self.braced = braced
    }

    public var description: String { braced ? "${\(step)}" : "$\(step)" }
}

/// A Python-literal argument value.
///
/// A quoted string keeps its decoded text; references inside it (`"$1"`, `"Notes: $2"`) are found by
/// ``references`` so printing never has to re-encode them. `.reference` is an unquoted `$1`.
public indirect enum PlanValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case none
    case list([PlanValue])
    case tuple([PlanValue])
    case reference(PlanReference)

    /// Every `$N` / `${N}` in this value, in order, searching strings and nested lists/tuples.
    public var references: [PlanReference] {
        switch self {
        case .string(let s): return PlanLexer.references(in: s)
        case .reference(let r): return [r]
        case .list(let items), .tuple(let items): return items.flatMap(\.references)
        case .int, .float, .bool, .none: return []
        }
    }

    /// The reference when the value is exactly one (`$1`, `"$1"`, `"${1}"`), else nil.
    public var soleReference: PlanReference? {
        switch self {
        case .reference(let r): return r
        case .string(let s):
            let refs = PlanLexer.references(in: s)
            return refs.count == 1 && s == refs[0].description ? refs[0] : nil
        default: return nil
        }
    }

    /// Canonical Python-literal text (double-quoted strings, `None`, `True`, `[a, b]`, `(a,)`).
    public var description: String { PlanPrinter.print(self) }
}

/// A `Thought: …` line.
public struct PlanThought: Sendable, Equatable {
    /// The text after `Thought: `.
    public var text: String
    /// 1-based source line (0 when built in code); ignored by `==`.
    public var line: Int

    public init(_ text: String, line: Int = 0) {
        self.text = text
        self.line = line
    }

    public static func == (a: PlanThought, b: PlanThought) -> Bool { a.text == b.text }
}

/// One action line, `index. tool(arguments)`.
public struct PlanStep: Sendable, Equatable {
    /// The number written before the dot (the validator requires 1, 2, 3, …).
    public var index: Int
    public var tool: String
    public var arguments: [PlanValue]
    /// 1-based source line (0 when built in code); ignored by `==`.
    public var line: Int

    public init(index: Int, tool: String, arguments: [PlanValue] = [], line: Int = 0) {
        self.index = index
        self.tool = tool
        self.arguments = arguments
        self.line = line
    }

    /// True for the `join()` step.
    public var isJoin: Bool { tool == ToolSet.joinName }

    /// Every reference in the arguments, in order (strings, lists and tuples searched at any depth).
    public var references: [PlanReference] { arguments.flatMap(\.references) }

    /// The step numbers this step depends on, without repeats, in first-use order.
    public var dependencies: [Int] {
        var seen = Set<Int>()
        return references.map(\.step).filter { seen.insert($0).inserted }
    }

    public static func == (a: PlanStep, b: PlanStep) -> Bool {
        a.index == b.index && a.tool == b.tool && a.arguments == b.arguments
    }
}

/// A line of a plan: a thought or a step.
public enum PlanItem: Sendable, Equatable {
    case thought(PlanThought)
    case step(PlanStep)
}

/// One LLMCompiler plan.
public struct Plan: Sendable, Equatable, CustomStringConvertible {
    /// The end marker, `<END_OF_PLAN>`.
    public static let endMarker = "<END_OF_PLAN>"

    /// Thoughts and steps in source order.
    public var items: [PlanItem]
    /// The plan ended with `<END_OF_PLAN>`.
    public var hasEndMarker: Bool

    public init(items: [PlanItem] = [], hasEndMarker: Bool = true) {
        self.items = items
        self.hasEndMarker = hasEndMarker
    }

    /// A plan of steps only.
    public init(steps: [PlanStep], hasEndMarker: Bool = true) {
        self.init(items: steps.map(PlanItem.step), hasEndMarker: hasEndMarker)
    }

    /// The steps in source order.
    public var steps: [PlanStep] {
        items.compactMap { if case .step(let s) = $0 { return s } else { return nil } }
    }

    /// The thoughts in source order.
    public var thoughts: [PlanThought] {
        items.compactMap { if case .thought(let t) = $0 { return t } else { return nil } }
    }

    /// Parses `text`, throwing ``EdgePlanError/syntax(line:column:message:)`` for the first problem.
    /// Only syntax is checked; use ``PlanValidator`` for tools, numbering and references.
    public static func parse(_ text: String) throws(EdgePlanError) -> Plan {
        let result = PlanParser.parse(text)
        if let first = result.diagnostics.first {
            throw .syntax(line: first.line, column: first.column ?? 1, message: first.message)
        }
        return result.plan
    }

    /// The canonical text: one item per line, `<END_OF_PLAN>` on its own line, final newline.
    public var text: String { PlanPrinter.print(self) }

    public var description: String { text }
}

/// A problem found in a plan, at a 1-based line (and column when known).
public struct PlanDiagnostic: Sendable, Equatable, Codable, CustomStringConvertible {
    public var line: Int
    /// 1-based column in characters; not encoded (the JSON contract is `{"line", "message"}`).
    public var column: Int?
    public var message: String
    /// The problem is only that the text stops too early (an unclosed string or call):
    /// more text could still make the line valid. Used by ``PlanParser/prefixStatus(_:)``.
    public var isIncomplete: Bool

    public init(line: Int, column: Int? = nil, message: String, isIncomplete: Bool = false) {
        self.line = line
        self.column = column
        self.message = message
        self.isIncomplete = isIncomplete
    }

    enum CodingKeys: String, CodingKey { case line, message }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(line: try c.decode(Int.self, forKey: .line), message: try c.decode(String.self, forKey: .message))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(line, forKey: .line)
        try c.encode(message, forKey: .message)
    }

    /// `line L, column C: message` (or `line L: message`).
    public var description: String {
        if let column { return "line \(line), column \(column): \(message)" }
        return "line \(line): \(message)"
    }
}
