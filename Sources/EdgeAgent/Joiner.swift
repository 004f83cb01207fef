import EdgeModel
import EdgePlan
import Foundation

/// What the joiner sees: the query, the thought/action/observation transcript, and whether it may replan.
public struct JoinerRequest: Sendable {
    public var query: String
    public var scratchpad: String
    /// On the last round only `Finish` is allowed.
    public var isFinal: Bool

    public init(query: String, scratchpad: String, isFinal: Bool) {
        self.query = query
        self.scratchpad = scratchpad
        self.isFinal = isFinal
    }
}

/// The joiner's verdict.
public struct JoinerDecision: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case finish(String)
        case replan
    }

    public var thought: String?
    public var action: Action

    public init(thought: String?, action: Action) {
        self.thought = thought
        self.action = action
    }

    /// Reads `Thought: …` / `Action: Finish(…)` / `Action: Replan` (reference §2.7), fixing TinyAgent's
    /// slicing quirks: per line, text from `Action:` on is the action; the answer is what lies between the
    /// first `(` and the last `)` (empty when there are no parentheses, where TinyAgent returned
    /// "Action: Finis"); `Replan` anywhere in the action line means replan; a `Thought:` line sets the
    /// thought; the last action line wins. With no action line the whole text (trimmed) is the answer.
    /// When `isFinal`, a replan becomes a finish with an empty answer.
    public static func parse(_ text: String, isFinal: Bool) -> JoinerDecision {
        var thought: String?
        var action: Action?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(rawLine)
            if let r = line.range(of: "Action:") {
                line = line[r.lowerBound...]
                if line.contains("Replan") && !line.contains("Finish") {
                    action = .replan
                } else if let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"), open < close {
                    action = .finish(String(line[line.index(after: open)..<close]))
                } else {
                    action = line.contains("Replan") ? .replan : .finish("")
                }
            } else if line.trimmingCharacters(in: .whitespaces).hasPrefix("Thought:") {
                let t = line.trimmingCharacters(in: .whitespaces).dropFirst("Thought:".count)
                thought = t.trimmingCharacters(in: .whitespaces)
            }
        }
        var decided = action ?? .finish(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if isFinal, decided == .replan { decided = .finish("") }
        return JoinerDecision(thought: thought, action: decided)
    }
}

/// The joiner prompt's contract (reference §2.7).
public enum JoinerSignature: Signature {
    public typealias Input = JoinerRequest
    public typealias Output = JoinerDecision

    public static let name = "joiner"
    /// Slots: `{{replan_rules}}`, `{{replan_example}}` (empty on the final round), `{{question}}`, `{{scratchpad}}`.
    public static let defaultInstructions = """
    Solve a question answering task. Here are some guidelines:
     - In the Assistant Scratchpad, you will be given results of a plan you have executed to answer the user's question.
     - Thought needs to reason about the question based on the Observations in 1-2 sentences.
     - Ignore irrelevant action results.
     - If the required information is present, give a concise but complete and helpful answer to the user's question.
     - If you are asked simple questions or requests like saying hello, you MUST answer in Finish(...) directly.
     - If the user asked for a summary of a PDF and it was made, answer Finish(Summary).
     - If an error cannot be fixed by planning again, explain it to the user in Finish(...).
    {{replan_rules}}
    Thought: <reason about the task results and whether you have sufficient information to answer the question>
    Action: <action to take>
    Available actions:
     (1) Finish(the final answer to return to the user): returns the answer and finishes the task.
    {{replan_action}}
    Here are some examples:

    Question: Send an SMS to Sam saying I'm running late.
    get_phone_number(Sam)
    Observation: +1415-555-0101
    send_sms(recipients=['+1415-555-0101'], message=I'm running late)
    Observation: SMS draft composed
    Thought: The SMS draft to Sam is ready.
    Action: Finish(I composed an SMS to Sam saying you are running late.)
    ###

    Question: Show me directions to the Golden Gate Bridge.
    maps_show_directions(start_location=, end_location=Golden Gate Bridge, transport=d)
    Observation: Directions to Golden Gate Bridge in Apple Maps: https://maps.apple.com/?daddr=Golden+Gate+Bridge&dirflg=d
    Thought: The directions are open in Apple Maps.
    Action: Finish(Here are the directions to the Golden Gate Bridge: https://maps.apple.com/?daddr=Golden+Gate+Bridge&dirflg=d)
    ###
    {{replan_example}}
    Question: {{question}}

    {{scratchpad}}

    """

    static let replanRules = """
     - If the plan is not finished, or an Observation has an error that says to try again, you MUST answer Action: Replan.
    """
    static let replanAction = " (2) Replan(the reason for a new plan): plans again to fix an error or finish the task.\n"
    static let replanExample = """

    Question: Summarize the file notes.pdf.
    open_and_get_file_path(notes.pdf)
    Observation: /workspace/notes.pdf
    summarize_pdf(/workspace/notes.pdf, extra)
    Observation: Error: summarize_pdf() takes 1 positional arguments but 2 were given! You MUST correct this error and try again!
    Thought: summarize_pdf was called with too many arguments; this can be fixed by planning again.
    Action: Replan
    ###

    """

    public static var defaultOptions: CompletionOptions {
        CompletionOptions(maxTokens: 256, temperature: 0, stopSequences: ["<END_OF_RESPONSE>"])
    }

    public static func messages(for input: JoinerRequest, instructions: String, demos: [Demo]) throws -> [ChatMessage] {
        let prompt = Slots.render(instructions, [
            "replan_rules": input.isFinal ? "" : replanRules,
            "replan_action": input.isFinal ? "" : replanAction,
            "replan_example": input.isFinal ? "" : replanExample,
            "question": input.query,
            "scratchpad": input.scratchpad,
        ])
        return [.user(prompt)]
    }

    public static func parse(_ text: String, for input: JoinerRequest) throws -> JoinerDecision {
        JoinerDecision.parse(text, isFinal: input.isFinal)
    }
}

/// The joiner module: a ``Predict`` over ``JoinerSignature``.
public typealias Joiner = Predict<JoinerSignature>

/// The joiner's transcripts (reference §2.7, §2.8).
public enum Transcript {
    /// One step as thought/action/observation: `Thought: …\n` (if any), `stringify_rule(args)\n`,
    /// `Observation: …\n`; with `numbered`, the action line starts `N. ` (replan context).
    public static func tao(_ step: StepResult, schemas: ToolSet, numbered: Bool = false) -> String {
        var out = step.thought.map { "Thought: \($0)\n" } ?? ""
        if numbered { out += "\(step.index). " }
        out += PythonText.stringify(tool: step.tool, arguments: step.arguments, schema: schemas[step.tool]) + "\n"
        out += "Observation: \(step.observation)\n"
        return out
    }

    /// The scratchpad after another round: `(previous + "\n\n" + round).strip()`.
    public static func appending(_ run: PlanRun, to scratchpad: String, schemas: ToolSet) -> String {
        let round = run.steps.map { tao($0, schemas: schemas) }.joined()
        return (scratchpad + "\n\n" + round).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A round as "Previous Plan" context: numbered TAO lines, a blank line, `Thought: <joiner thought>`.
    public static func replanContext(_ run: PlanRun, joinerThought: String?, schemas: ToolSet) -> String {
        run.steps.map { tao($0, schemas: schemas, numbered: true) }.joined(separator: "\n")
            + "\n\n" + "Thought: " + (joinerThought ?? "")
    }
}
