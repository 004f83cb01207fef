// TinyAgent's evaluation-side plan parsing, reproduced for the metric (reference/tinyagent.md §2.3–2.4):
// SqueezeAILab/TinyAgent src/utils/plan_utils.py @ 0074615 (`parse_plan`,
// `_parse_llm_compiler_action_args`, `get_parsed_planner_output`). Independent of the strict
// ``PlanParser``: this one never fails, it reads what TinyAgent reads.

/// One step as TinyAgent's evaluation sees it: a tool name and positional arguments.
public struct TinyAgentStep: Sendable, Equatable {
    public var tool: String
    public var arguments: [TinyAgentValue]

    public init(tool: String, arguments: [TinyAgentValue]) {
        self.tool = tool
        self.arguments = arguments
    }
}

/// One match of TinyAgent's plan regex:
/// `(?:Thought: ([^\n]*)\n)?\s*\n*(\d+)\. (\w+)\((.*)\)(\s*#\w+\n)?` (Python `re`, Unicode classes).
public struct TinyAgentAction: Sendable, Equatable {
    public var thought: String?
    public var index: Int
    public var tool: String
    /// The raw argument text between `(` and the last `)` of the line.
    public var argumentText: String
}

/// TinyAgent's evaluation parser.
public enum TinyAgentParse {
    /// The 16 TinyAgent tools plus `join` (`PlanStepToolName` in data_utils.py).
    public static let toolNames: Set<String> = [
        "get_phone_number", "get_email_address", "create_calendar_event", "open_and_get_file_path",
        "summarize_pdf", "compose_new_email", "reply_to_email", "forward_email", "maps_open_location",
        "maps_show_directions", "create_note", "open_note", "append_note_content", "create_reminder",
        "send_sms", "get_zoom_meeting_link", "join",
    ]

    /// `get_parsed_planner_output_from_raw`: the steps in first-insertion order of their index,
    /// cut at the first `join` (inclusive) and truncated before the first tool not in `tools`.
    public static func steps(_ text: String, tools: Set<String> = toolNames) -> [TinyAgentStep] {
        parse(text, tools: tools).steps
    }

    /// Like ``steps(_:tools:)`` and also the first unknown tool name that truncated the plan, if any.
    public static func parse(_ text: String, tools: Set<String> = toolNames) -> (steps: [TinyAgentStep], unknownTool: String?) {
        // parse_plan: graph_dict[idx] = task (a repeated idx overwrites in place), break after join.
        var order: [Int] = []
        var byIndex: [Int: TinyAgentStep] = [:]
        for action in actions(text) {
            if byIndex[action.index] == nil { order.append(action.index) }
            byIndex[action.index] = TinyAgentStep(tool: action.tool, arguments: arguments(action.argumentText))
            if action.tool == "join" { break }
        }
        var out: [TinyAgentStep] = []
        for index in order {
            guard let step = byIndex[index] else { continue }
            guard tools.contains(step.tool) else { return (out, step.tool) }   // "Tool hallucination error"
            out.append(step)
        }
        return (out, nil)
    }

    /// `_parse_llm_compiler_action_args`: `""` → no arguments; a literal list or tuple is splatted;
    /// any other literal becomes one argument; text that is not a literal becomes one string argument.
    public static func arguments(_ text: String) -> [TinyAgentValue] {
        if text.isEmpty { return [] }
        switch TinyAgentLiteral.evaluate(text) {
        case .list(let items)?, .tuple(let items)?: return items
        case let value?: return [value]
        case nil: return [.string(text)]
        }
    }

    /// `re.findall` of TinyAgent's full action pattern, left to right, non-overlapping.
    public static func actions(_ text: String) -> [TinyAgentAction] {
        let s = Array(text.unicodeScalars)
        var out: [TinyAgentAction] = []
        var pos = 0
        while pos <= s.count {
            if let (action, end) = match(s, at: pos) {
                out.append(action)
                pos = end > pos ? end : pos + 1
            } else {
                pos += 1
            }
        }
        return out
    }

    /// The pattern anchored at `pos`; the optional Thought group is tried first, as Python's greedy `?` does.
    static func match(_ s: [Unicode.Scalar], at pos: Int) -> (TinyAgentAction, Int)? {
        let prefix = Array("Thought: ".unicodeScalars)
        if pos + prefix.count <= s.count, Array(s[pos..<(pos + prefix.count)]) == prefix {
            var j = pos + prefix.count
            while j < s.count, s[j] != "\n" { j += 1 }
            if j < s.count, let m = matchAction(s, at: j + 1) {
                var action = m.0
                action.thought = String(String.UnicodeScalarView(s[(pos + prefix.count)..<j]))
                return (action, m.1)
            }
        }
        return matchAction(s, at: pos)
    }

    /// `\s*\n*(\d+)\. (\w+)\((.*)\)(\s*#\w+\n)?` anchored at `pos`. Each quantifier is greedy and the
    /// next token can never match the characters it gave up, so one forward pass decides the match,
    /// except `(.*)\)`, which ends at the last `)` of the line.
    static func matchAction(_ s: [Unicode.Scalar], at pos: Int) -> (TinyAgentAction, Int)? {
        var j = pos
        while j < s.count, isSpace(s[j]) { j += 1 }
        let digitStart = j
        var index = 0
        var overflow = false
        while j < s.count, let d = decimalValue(s[j]) {
            let (m, o1) = index.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            overflow = overflow || o1 || o2
            index = a
            j += 1
        }
        guard j > digitStart, j + 1 < s.count, s[j] == ".", s[j + 1] == " " else { return nil }
        j += 2
        let nameStart = j
        while j < s.count, isWord(s[j]) { j += 1 }
        guard j > nameStart, j < s.count, s[j] == "(" else { return nil }
        let name = String(String.UnicodeScalarView(s[nameStart..<j]))
        j += 1
        let argsStart = j
        var lineEnd = j
        while lineEnd < s.count, s[lineEnd] != "\n" { lineEnd += 1 }
        guard let close = s[argsStart..<lineEnd].lastIndex(of: ")") else { return nil }
        // Python ints are unbounded; an index past Int.max can only be a distinct key, so clamp it.
        let action = TinyAgentAction(thought: nil, index: overflow ? Int.max : index, tool: name,
                                     argumentText: String(String.UnicodeScalarView(s[argsStart..<close])))
        var end = close + 1
        // Optional trailing comment group (\s*#\w+\n).
        var k = end
        while k < s.count, isSpace(s[k]) { k += 1 }
        if k < s.count, s[k] == "#" {
            var w = k + 1
            while w < s.count, isWord(s[w]) { w += 1 }
            if w > k + 1, w < s.count, s[w] == "\n" { end = w + 1 }
        }
        return (action, end)
    }

    /// Python `\s` for str patterns (`str.isspace()`).
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python `\w` for str patterns: `_` or `str.isalnum()` (letters and anything with a numeric value).
    static func isWord(_ c: Unicode.Scalar) -> Bool {
        if c == "_" { return true }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return c.properties.numericType != nil
        }
    }

    /// Python `\d` (Unicode category Nd) and the digit's value, as `int()` reads it.
    static func decimalValue(_ c: Unicode.Scalar) -> Int? {
        guard c.properties.generalCategory == .decimalNumber, let v = c.properties.numericValue else { return nil }
        return Int(v)
    }

    /// `re.search(r"\$\d+", s)`: the first `$N` of a string (Unicode digits), as its number N.
    public static func firstDependency(in text: String) -> Int? {
        let s = Array(text.unicodeScalars)
        var j = 0
        while j < s.count {
            if s[j] == "$", j + 1 < s.count, decimalValue(s[j + 1]) != nil {
                var n = 0
                var k = j + 1
                while k < s.count, let d = decimalValue(s[k]) {
                    n = n > (Int.max - d) / 10 ? Int.max : n * 10 + d
                    k += 1
                }
                return n
            }
            j += 1
        }
        return nil
    }
}
