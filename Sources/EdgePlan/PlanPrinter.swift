/// Canonical text of plans and values; `PlanParser.parse(PlanPrinter.print(plan)).plan == plan`
/// for every plan the validator accepts.
///
/// Canonical form: one item per line, no indentation, `Thought: text`, `N. tool(a, b)` with `", "`
/// between arguments, double-quoted strings, `<END_OF_PLAN>` on its own line, a final newline.
public enum PlanPrinter {
    /// The plan's canonical text.
    public static func print(_ plan: Plan) -> String {
        var out = ""
        for item in plan.items {
            switch item {
            case .thought(let t): out += "Thought: \(t.text)\n"
            case .step(let s): out += print(s) + "\n"
            }
        }
        if plan.hasEndMarker { out += Plan.endMarker + "\n" }
        return out
    }

    /// `index. tool(arguments)`.
    public static func print(_ step: PlanStep) -> String {
        "\(step.index). \(step.tool)(\(step.arguments.map(print).joined(separator: ", ")))"
    }

    /// A Python literal that parses back to `value`.
    public static func print(_ value: PlanValue) -> String {
        switch value {
        case .string(let s): return quote(s)
        case .int(let i): return String(i)
        case .float(let d): return float(d)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .reference(let r): return r.description
        case .list(let items): return "[" + items.map(print).joined(separator: ", ") + "]"
        case .tuple(let items):
            return items.count == 1 ? "(\(print(items[0])),)" : "(" + items.map(print).joined(separator: ", ") + ")"
        }
    }

    /// Shortest decimal that reads back as `d`, always with a `.` or exponent so it stays a float.
    /// Non-finite values have no Python literal and print as `nan`/`inf`, which the validator rejects.
    static func float(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "nan" : (d < 0 ? "-inf" : "inf") }
        let s = "\(d)"
        return s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? s : s + ".0"
    }

    /// A double-quoted Python string: `\\`, `\"`, `\n`, `\r`, `\t` and `\xhh` for other control characters.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                // Control characters and line/paragraph separators are escaped, as Python's repr does,
                // so a printed plan line never looks broken to a line-based reader.
                switch scalar.properties.generalCategory {
                case .control, .lineSeparator, .paragraphSeparator:
                    let hex = String(scalar.value, radix: 16)
                    out += scalar.value < 0x100 ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                                                : "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default:
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
