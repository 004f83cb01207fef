import EdgePlan
import Foundation

/// The prompt templates of the LLM program: `prompts/planner_full.txt` (or `planner_compact.txt`, `planner_minimal.txt`),
/// `prompts/planner_user.txt` and `prompts/joiner.txt`, rendered with EdgePlan's ``PromptTemplate`` and
/// ``PlannerPrompt`` slot values, so the agent prompts a model exactly as the training data does
/// (``PlanningPrompt``; a test checks both give the same messages).
///
/// ``builtIn`` is a compiled-in copy (checked against the files by a test); ``load(directory:style:)``
/// reads edited templates from a folder.
public struct AgentPrompts: Sendable, Equatable {
    public var style: PlanningPrompt.Style
    /// The planner's system-prompt template (slots from ``PlannerPrompt/values(tools:today:examples:style:)``).
    public var plannerSystem: String
    /// The planner's user-message template (`{{query}}`).
    public var plannerUser: String
    /// The joiner's template (`{{final_rule}}`, `{{query}}`, `{{scratchpad}}`).
    public var joiner: String

    public init(style: PlanningPrompt.Style, plannerSystem: String, plannerUser: String, joiner: String) {
        self.style = style
        self.plannerSystem = plannerSystem
        self.plannerUser = plannerUser
        self.joiner = joiner
    }

    /// The compiled-in templates, full planner style.
    public static let builtIn = AgentPrompts(style: .full, plannerSystem: BuiltIn.plannerFull,
                                             plannerUser: BuiltIn.plannerUser, joiner: BuiltIn.joiner)
    /// The compiled-in templates with the compact planner prompt (for a small model's short context).
    public static let builtInCompact = AgentPrompts(style: .compact, plannerSystem: BuiltIn.plannerCompact,
                                                    plannerUser: BuiltIn.plannerUser, joiner: BuiltIn.joiner)
    /// The compiled-in templates with the minimal planner prompt (one line and the date, for fine-tuned planners).
    public static let builtInMinimal = AgentPrompts(style: .minimal, plannerSystem: BuiltIn.plannerMinimal,
                                                    plannerUser: BuiltIn.plannerUser, joiner: BuiltIn.joiner)

    /// The compiled-in templates of `style`.
    public static func builtIn(_ style: PlanningPrompt.Style) -> AgentPrompts {
        switch style {
        case .full: return builtIn
        case .compact: return builtInCompact
        case .minimal: return builtInMinimal
        }
    }

    /// The templates of a `prompts/` folder.
    public static func load(directory: String, style: PlanningPrompt.Style = .full) throws(AgentError) -> AgentPrompts {
        func read(_ name: String) throws(AgentError) -> String {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw .prompt("\(path): cannot read prompt template")
            }
            do { _ = try PromptTemplate(text, name: path) } catch { throw .prompt("\(error)") }
            return text
        }
        return AgentPrompts(style: style, plannerSystem: try read(style.fileName), plannerUser: try read("planner_user.txt"),
                            joiner: try read("joiner.txt"))
    }

    /// Guidance appended to the planner's system prompt on replan rounds (reference §2.1 item 6).
    public static let replanGuidance = """


    Replanning:
     - "Previous Plan" shows the plan that already ran, with each step's result ("Observation") and a \
    "Thought" about the results. Use them to write the next plan under "Current Plan".
     - Start the Current Plan with a "Thought:" line giving the strategy of the new plan.
     - Never repeat an action that already ran in a Previous Plan; number the new steps from 1.
    """

    /// Renders `template` with exactly the values it has slots for (a template may leave some out).
    public static func render(_ template: String, name: String, _ values: [String: String]) throws(AgentError) -> String {
        do {
            let t = try PromptTemplate(template, name: name)
            let slots = Set(t.slots)
            return try t.render(values.filter { slots.contains($0.key) })
        } catch {
            throw .prompt("\(error)")
        }
    }

    /// "Wednesday 2024-05-01 10:00", the format of ``DataGenDateTime/promptNow``, in the local time zone.
    public static func today(_ now: Date, timeZone: TimeZone = .current) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = "EEEE yyyy-MM-dd HH:mm"
        return f.string(from: now)
    }
}
