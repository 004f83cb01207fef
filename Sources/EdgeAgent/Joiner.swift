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
    /// thought; the last action line wins. With no action line the whole text (trimmed) is the answer, unless
    /// it is a plan (`1. tool(…` — a planner fine-tuned on plans only writes one where it should answer): then the
    /// answer is empty and the agent answers from the observations. When `isFinal`, a replan becomes a finish
    /// with an empty answer.
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
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var decided = action ?? .finish(Self.looksLikePlan(trimmed) ? "" : trimmed)
        if isFinal, decided == .replan { decided = .finish("") }
        return JoinerDecision(thought: thought, action: decided)
    }

    /// True when the text starts like a plan: `1. name(`.
    static func looksLikePlan(_ text: String) -> Bool {
        text.range(of: #"^\d+\. [A-Za-z_][A-Za-z0-9_]*\("#, options: .regularExpression) != nil
    }
}

/// The joiner prompt's contract (reference §2.7): `prompts/joiner.txt` with the question, the transcript
/// and, on the last round, the rule that forbids `Replan`; sent as one user message.
public enum JoinerSignature: Signature {
    public typealias Input = JoinerRequest
    public typealias Output = JoinerDecision

    public static let name = "joiner"
    public static var defaultInstructions: String { AgentPrompts.builtIn.joiner }
    public static var defaultOptions: CompletionOptions {
        CompletionOptions(maxTokens: 256, temperature: 0, stopSequences: ["<END_OF_RESPONSE>"])
    }

    public static func messages(for input: JoinerRequest, instructions: String, demos: [Demo]) throws -> [ChatMessage] {
        let values = PlannerPrompt.joinerValues(query: input.query, scratchpad: input.scratchpad, finalRound: input.isFinal)
        return [.user(try AgentPrompts.render(instructions, name: "joiner prompt", values))]
    }

    public static func parse(_ text: String, for input: JoinerRequest) throws -> JoinerDecision {
        JoinerDecision.parse(text, isFinal: input.isFinal)
    }
}

/// The joiner module: a ``Predict`` over ``JoinerSignature`` (`Joiner(instructions: prompts.joiner)` for other templates).
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
