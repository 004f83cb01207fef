import Foundation

/// Slot values for the planner and joiner templates in `prompts/` (reference/tinyagent.md §2.1, §2.7):
/// tool descriptions rendered from the schemas, tool-specific rules, in-context examples.
public enum PlannerPrompt {
    /// `full` follows TinyAgent's prompt (signatures, bullets, guidelines); `compact` is one line per tool
    /// for a 135M model's short context.
    public enum Style: String, Sendable, CaseIterable {
        case full, compact

        /// The template file in `prompts/`.
        public var fileName: String { self == .full ? "planner_full.txt" : "planner_compact.txt" }
    }

    /// One in-context example: a request and its plan (ending with `join()` and `<END_OF_PLAN>`).
    public struct Example: Sendable, Equatable {
        public var query: String
        public var plan: String

        public init(query: String, plan: String) {
            self.query = query
            self.plan = plan
        }
    }

    /// Values for `planner_full.txt` / `planner_compact.txt`: `tools`, `join_index`, `today`, `examples`,
    /// and for the full style also `action_count` and `tool_rules`.
    /// - Parameters:
    ///   - tools: the tools to describe, in order (`join` is described by the template itself).
    ///   - today: e.g. `Monday 2024-05-20 09:00` (``DataGenDateTime/promptNow``).
    public static func values(tools: [ToolSchema], today: String, examples: [Example], style: Style) -> [String: String] {
        let listed = tools.filter { $0.name != ToolSet.joinName }
        var v: [String: String] = [
            "tools": style == .full
                ? listed.enumerated().map { i, t in describe(t, number: i + 1, style: style) }.joined(separator: "\n")
                : String(listed.enumerated().map { i, t in describe(t, number: i + 1, style: style) }.joined().dropLast()),
            "join_index": String(listed.count + 1),
            "today": today,
            "examples": examplesBlock(examples, style: style),
        ]
        if style == .full {
            v["tool_rules"] = toolRules(listed.map(\.name))
            v["action_count"] = String(listed.count + 1)
        }
        return v
    }

    /// The rendered system prompt.
    public static func render(_ template: PromptTemplate, tools: [ToolSchema], today: String,
                              examples: [Example] = [], style: Style) throws(PromptTemplateError) -> String {
        try template.render(values(tools: tools, today: today, examples: examples, style: style))
    }

    /// Full: `N. name(arg: str, …) -> str` then ` - ` bullets (description sentences, then one per
    /// argument), ending with a newline. Compact: `N. name(arg, …): first sentence`.
    public static func describe(_ tool: ToolSchema, number: Int, style: Style) -> String {
        switch style {
        case .full:
            let args = tool.arguments.map { "\($0.name): \(pythonType($0.type))" }.joined(separator: ", ")
            var out = "\(number). \(tool.name)(\(args)) -> \(pythonType(tool.returns))\n"
            for sentence in sentences(tool.description) { out += " - \(sentence)\n" }
            for a in tool.arguments {
                out += " - \(a.name)\(a.isRequired ? "" : " (optional)"): \(a.description)\n"
            }
            return out
        case .compact:
            let args = tool.arguments.map(\.name).joined(separator: ", ")
            return "\(number). \(tool.name)(\(args)): \(sentences(tool.description).first ?? "")\n"
        }
    }

    /// Python type names as TinyAgent's signatures write them (`str`, `int`, `list[str]`, …).
    public static func pythonType(_ t: ToolValueType) -> String {
        switch t {
        case .string: return "str"
        case .integer: return "int"
        case .number: return "float"
        case .boolean: return "bool"
        case .any: return "Any"
        case .array(let item): return "list[\(pythonType(item))]"
        }
    }

    /// TinyAgent's tool-specific instructions: each rule appears when any of its tools is in the prompt.
    public static func toolRules(_ names: [String]) -> String {
        let present = Set(names)
        let rules: [(Set<String>, String)] = [
            (["compose_new_email", "reply_to_email", "forward_email", "create_calendar_event", "get_zoom_meeting_link"],
             "Before emailing or inviting someone you know only by name, get their address with get_email_address."),
            (["get_phone_number", "send_sms"],
             "Before texting someone you know only by name, get their number with get_phone_number."),
            (["send_sms"], "To text several people the same message, send one send_sms with all their numbers."),
            (["compose_new_email", "reply_to_email", "forward_email", "send_sms"],
             "Write and send messages before join(); join() does not send anything."),
            (["get_zoom_meeting_link"], "For an online meeting, create the link with get_zoom_meeting_link."),
            (["open_note", "append_note_content"], "append_note_content does not need open_note first."),
            (["maps_open_location", "maps_show_directions"], "maps_show_directions does not need maps_open_location first."),
        ]
        return rules.filter { !$0.0.isDisjoint(with: present) }.map { " - \($0.1)" }.joined(separator: "\n")
    }

    /// `Here are some examples:` then `Question: …`, the plan, `###` per example; "" without examples.
    public static func examplesBlock(_ examples: [Example], style: Style) -> String {
        guard !examples.isEmpty else { return "" }
        var out = style == .full ? "Here are some examples:\n\n" : "Examples:\n"
        for e in examples {
            out += "Question: \(e.query)\n\(e.plan.trimmingCharacters(in: .whitespacesAndNewlines))\n###\n"
        }
        return out
    }

    /// Values for `joiner.txt`: the request, the thought/action/observation transcript, and on the last
    /// round a rule that forbids `Replan` (TinyAgent's OUTPUT_PROMPT_FINAL).
    public static func joinerValues(query: String, scratchpad: String, finalRound: Bool) -> [String: String] {
        ["query": query, "scratchpad": scratchpad,
         "final_rule": finalRound ? "This is the last round: do not answer Replan; always answer with Finish(...).\n" : ""]
    }

    /// Sentences of a description (split after `. ` so abbreviations like "e.g." stay whole).
    static func sentences(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        let chars = Array(text)
        for (i, c) in chars.enumerated() {
            current.append(c)
            if c == ".", i + 1 < chars.count, chars[i + 1] == " ", !current.hasSuffix("e.g."), !current.hasSuffix("i.e.") {
                out.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            }
        }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty { out.append(last) }
        return out
    }
}
