import EdgePlan
import Foundation

/// The positional arguments of one tool call, after `$N` substitution, checked against the tool's schema.
///
/// Arity: between the schema's `minimumArgumentCount` and its full argument count; left-out trailing
/// optional arguments take the schema default. Types are lenient where TinyAgent is: a string is
/// accepted where a list of strings is expected (it becomes a one-element list), `None` for an optional
/// argument means its default, and numbers in strings are accepted for integers.
public struct ToolArguments: Sendable {
    public let schema: ToolSchema
    /// The arguments as written (after substitution), without defaults.
    public let values: [PlanValue]

    /// Checks the count against the schema; throws ``AgentError/arity(tool:expected:got:)``.
    public init(schema: ToolSchema, values: [PlanValue]) throws(AgentError) {
        let range = schema.minimumArgumentCount...schema.arguments.count
        guard range.contains(values.count) else {
            throw .arity(tool: schema.name, expected: range, got: values.count)
        }
        self.schema = schema
        self.values = values
    }

    /// The value of argument `name` (default filled in), and its 1-based position.
    public func value(_ name: String) throws(AgentError) -> (PlanValue, Int) {
        guard let i = schema.arguments.firstIndex(where: { $0.name == name }) else {
            throw .tool(schema.name, message: "\(schema.name) has no argument named \(name)")
        }
        let arg = schema.arguments[i]
        let v = i < values.count ? values[i] : (arg.defaultValue ?? .none)
        if case .none = v, !arg.isRequired { return (arg.defaultValue ?? .none, i + 1) }
        return (v, i + 1)
    }

    /// A string argument; `None` (for optional arguments, after the default) reads as "".
    public func string(_ name: String) throws(AgentError) -> String {
        let (v, pos) = try value(name)
        switch v {
        case .string(let s): return s
        case .none: return ""
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        case .reference(let r): return r.description
        default: throw typeError(name, pos, "a string", v)
        }
    }

    /// A string argument that may be `None` (nil).
    public func optionalString(_ name: String) throws(AgentError) -> String? {
        let (v, _) = try value(name)
        if case .none = v { return nil }
        return try string(name)
    }

    /// A list of strings; a lone string becomes a one-element list, "" and `None` an empty list.
    public func strings(_ name: String) throws(AgentError) -> [String] {
        let (v, pos) = try value(name)
        switch v {
        case .list(let xs), .tuple(let xs):
            var out: [String] = []
            for x in xs {
                switch x {
                case .string(let s): out.append(s)
                case .reference(let r): out.append(r.description)
                case .int(let i): out.append(String(i))
                default: throw typeError(name, pos, "a list of strings", v)
                }
            }
            return out
        case .string(let s): return s.isEmpty ? [] : [s]
        case .reference(let r): return [r.description]
        case .none: return []
        default: throw typeError(name, pos, "a list of strings", v)
        }
    }

    /// An integer argument (a whole float or a numeric string is accepted).
    public func int(_ name: String) throws(AgentError) -> Int {
        let (v, pos) = try value(name)
        switch v {
        case .int(let i): return i
        case .float(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        case .string(let s):
            if let i = Int(s.trimmingCharacters(in: .whitespaces)) { return i }
        case .bool(let b): return b ? 1 : 0
        default: break
        }
        throw typeError(name, pos, "an integer", v)
    }

    /// A boolean argument (`True`/`False`, 0/1, or "true"/"false").
    public func bool(_ name: String) throws(AgentError) -> Bool {
        let (v, pos) = try value(name)
        switch v {
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .none: return false
        case .string(let s):
            switch s.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no", "": return false
            default: break
            }
        default: break
        }
        throw typeError(name, pos, "a boolean", v)
    }

    private func typeError(_ name: String, _ pos: Int, _ expected: String, _ got: PlanValue) -> AgentError {
        .argumentType(tool: schema.name, argument: name, position: pos, expected: expected, got: PlanPrinter.print(got))
    }
}

/// Python `str()` / `repr()` of plan values and TinyAgent's `stringify_rule` (reference §1.1, §2.7),
/// used for the joiner's transcript.
public enum PythonText {
    /// `str(v)`: strings unquoted, everything else as `repr`.
    public static func str(_ v: PlanValue) -> String {
        if case .string(let s) = v { return s }
        return repr(v)
    }

    /// `repr(v)`: strings single-quoted (double-quoted when they contain `'` and no `"`),
    /// `['a', 'b']`, `('a',)`, `None`, `True`.
    public static func repr(_ v: PlanValue) -> String {
        switch v {
        case .string(let s): return reprString(s)
        case .int(let i): return String(i)
        case .float(let d): return PlanPrinter.print(.float(d))
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .reference(let r): return reprString(r.description)
        case .list(let xs): return "[" + xs.map(repr).joined(separator: ", ") + "]"
        case .tuple(let xs): return xs.count == 1 ? "(\(repr(xs[0])),)" : "(" + xs.map(repr).joined(separator: ", ") + ")"
        }
    }

    static func reprString(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case quote: out += "\\\(quote)"
            default: out.append(ch)
            }
        }
        out.append(quote)
        return out
    }

    /// How a call appears in the joiner transcript: `tool(a0)` for one-argument tools,
    /// `tool(k=v, …)` with schema names otherwise (`context` shown as `content` for reply/forward,
    /// as TinyAgent labels it). Missing arguments are left out instead of crashing (fixes §2.6's IndexError).
    public static func stringify(tool: String, arguments: [PlanValue], schema: ToolSchema?) -> String {
        guard let schema, schema.arguments.count > 1 else {
            if arguments.isEmpty { return "\(tool)()" }
            if arguments.count == 1 { return "\(tool)(\(str(arguments[0])))" }
            return "\(tool)(" + arguments.map(repr).joined(separator: ", ") + ")"
        }
        let relabel = tool == "reply_to_email" || tool == "forward_email"
        let parts = zip(schema.arguments, arguments).map { arg, v in
            "\(relabel && arg.name == "context" ? "content" : arg.name)=\(str(v))"
        }
        return "\(tool)(\(parts.joined(separator: ", ")))"
    }
}

/// Naive local date-times as the tools use them ("YYYY-MM-DD HH:MM:SS", no time zone), parsed like
/// Python's `datetime.fromisoformat`: `YYYY-MM-DD`, optionally followed by `T` or a space and
/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff`.
public enum ToolDates {
    /// Arithmetic runs in UTC so a naive time never shifts across a daylight-saving change.
    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC") ?? c.timeZone
        return c
    }()

    /// The naive date for `text`, or nil when it is not an ISO date.
    public static func parse(_ text: String) -> Date? {
        let s = text.trimmingCharacters(in: .whitespaces)
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?$"#
        guard let re = try? NSRegularExpression(pattern: pattern),
              let m = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) else { return nil }
        func group(_ i: Int) -> Int? {
            guard let r = Range(m.range(at: i), in: s) else { return nil }
            return Int(s[r])
        }
        var c = DateComponents()
        (c.year, c.month, c.day) = (group(1), group(2), group(3))
        (c.hour, c.minute, c.second) = (group(4) ?? 0, group(5) ?? 0, group(6) ?? 0)
        guard let month = c.month, (1...12).contains(month), let hour = c.hour, hour < 24,
              let minute = c.minute, minute < 60, let second = c.second, second < 60,
              let date = calendar.date(from: c) else { return nil }
        // Reject rolled-over dates such as 2024-02-30.
        guard calendar.component(.day, from: date) == c.day else { return nil }
        return date
    }

    /// "YYYY-MM-DD HH:MM:SS".
    public static func format(_ date: Date) -> String { formatter("yyyy-MM-dd HH:mm:ss").string(from: date) }

    /// "YYYY-MM-DD".
    public static func formatDay(_ date: Date) -> String { formatter("yyyy-MM-dd").string(from: date) }

    /// The naive local time of an absolute instant (`now` in the user's time zone).
    public static func naive(_ instant: Date, timeZone: TimeZone = .current) -> Date {
        instant.addingTimeInterval(TimeInterval(timeZone.secondsFromGMT(for: instant)))
    }

    /// `date` plus `hours`.
    public static func adding(hours: Int, to date: Date) -> Date {
        date.addingTimeInterval(TimeInterval(hours * 3600))
    }

    private static func formatter(_ format: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = calendar.timeZone
        f.dateFormat = format
        return f
    }
}
