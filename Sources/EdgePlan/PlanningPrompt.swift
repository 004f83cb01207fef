import Foundation

/// The planner's conversation for one request: system prompt (tool list, rules, today's date, optional
/// in-context examples) from `prompts/planner_{compact,full}.txt` and the user turn from `prompts/planner_user.txt`.
/// Training, evaluation, `plan`, the REPL and the server all build prompts here, so they always agree.
public struct PlanningPrompt: Sendable {
    /// `full` and `compact` describe the tools (PlannerPrompt); `minimal` (`planner_minimal.txt`) gives one
    /// line and the date — for fine-tuned planners, which know their tools and format, and short sequences.
    public enum Style: String, Sendable, CaseIterable {
        case full, compact, minimal

        public var fileName: String { self == .minimal ? "planner_minimal.txt" : plannerStyle.fileName }
        /// The tool-description style (``PlannerPrompt``) of `full` and `compact`; `minimal` describes no tools,
        /// so its value only fills slots its template does not have.
        public var plannerStyle: PlannerPrompt.Style { self == .full ? .full : .compact }
    }

    public let systemTemplate: PromptTemplate
    public let userTemplate: PromptTemplate
    public let style: Style
    public let tools: [ToolSchema]

    public init(systemTemplate: PromptTemplate, userTemplate: PromptTemplate, style: Style, tools: [ToolSchema]) {
        (self.systemTemplate, self.userTemplate, self.style, self.tools) = (systemTemplate, userTemplate, style, tools)
    }

    /// Loads the templates from `directory` (default: `./prompts`, else this checkout's `prompts/`).
    public static func load(directory: String? = nil, style: Style, tools: ToolSet) throws -> PlanningPrompt {
        let dir = try promptsDirectory(directory)
        return PlanningPrompt(systemTemplate: try PromptTemplate.load(path: dir + "/" + style.fileName),
                              userTemplate: try PromptTemplate.load(path: dir + "/planner_user.txt"),
                              style: style, tools: tools.tools)
    }

    /// `directory`, or `./prompts`, or the `prompts/` folder of the source checkout this binary was built from.
    public static func promptsDirectory(_ directory: String?) throws -> String {
        let fm = FileManager.default
        if let directory {
            guard fm.fileExists(atPath: directory) else { throw PromptTemplateError.unreadable(path: directory) }
            return directory
        }
        let candidates = ["prompts", URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("prompts").path]
        for c in candidates where fm.fileExists(atPath: c + "/planner_user.txt") { return c }
        throw PromptTemplateError.unreadable(path: "prompts/ (prompt templates not found; pass --prompts DIR)")
    }

    /// System and user texts for `query`. `now` is `YYYY-MM-DD HH:MM` (a dataset's `now` field); nil means the
    /// current local time.
    public func messages(query: String, now: String? = nil, examples: [PlannerPrompt.Example] = []) throws -> (system: String, user: String) {
        let today = (now.flatMap(Self.parseNow) ?? Self.currentTime()).promptNow
        let system = style == .minimal
            ? try systemTemplate.render(["today": today])
            : try PlannerPrompt.render(systemTemplate, tools: tools, today: today, examples: examples, style: style.plannerStyle)
        let user = try userTemplate.render(["query": query])
        return (system, user)
    }

    /// Parses `YYYY-MM-DD HH:MM` (seconds allowed and ignored).
    public static func parseNow(_ s: String) -> DataGenDateTime? {
        let parts = s.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" || $0 == "T" }).compactMap { Int($0) }
        guard parts.count >= 5, (1...12).contains(parts[1]), (1...31).contains(parts[2]), (0..<24).contains(parts[3]),
              (0..<60).contains(parts[4]) else { return nil }
        return DataGenDateTime(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4])
    }

    static func currentTime() -> DataGenDateTime {
        let c = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute], from: Date())
        return DataGenDateTime(year: c.year ?? 2025, month: c.month ?? 1, day: c.day ?? 1, hour: c.hour ?? 0, minute: c.minute ?? 0)
    }
}
