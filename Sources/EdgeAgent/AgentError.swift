import EdgePlan

/// Errors of the agent runtime: model calls, planning, execution, the tool database and the sandbox.
///
/// Tool failures never escape a plan run: the executor turns them into TinyAgent observations
/// (`Error: … You MUST correct this error and try again!`, see ``ToolObservation``). These cases are
/// what a tool throws and what the pipeline throws for things a user must fix.
public enum AgentError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The language model failed or produced nothing usable.
    case model(String)
    /// The prompt does not fit the model's context window.
    case contextOverflow(promptTokens: Int, limit: Int)
    /// The request is empty (after trimming).
    case emptyRequest
    /// The planner's text is not a valid plan; it was not executed.
    case invalidPlan(errors: [PlanDiagnostic])
    /// A step calls a tool the runtime does not have.
    case unknownTool(String)
    /// A step passed the wrong number of arguments.
    case arity(tool: String, expected: ClosedRange<Int>, got: Int)
    /// An argument has the wrong type (`position` is 1-based).
    case argumentType(tool: String, argument: String, position: Int, expected: String, got: String)
    /// A tool ran longer than its timeout.
    case timeout(tool: String, seconds: Double)
    /// A path leaves the workspace (`..`, absolute path elsewhere, or a symlink pointing out).
    case sandboxEscape(path: String)
    /// A file that should exist does not.
    case fileNotFound(String)
    /// An external program the tool needs is missing (e.g. `pdftotext` from poppler-utils).
    case missingProgram(name: String, hint: String)
    /// An external program failed.
    case programFailed(name: String, status: Int32, message: String)
    /// The tool database failed (open, migrate, query).
    case database(String)
    /// A dependency step failed, so this step was not run.
    case dependencyFailed(step: Int, failedStep: Int)
    /// A tool failed with a message meant for the planner.
    case tool(String, message: String)
    /// A prompt template is broken (unreadable, bad slot, missing value).
    case prompt(String)
    /// A scripted model ran out of canned outputs (tests).
    case scriptExhausted(call: Int)
    /// The ToolRAG classifier cannot be trained, read or written (the message names the file or setting).
    case toolRAG(String)

    public var description: String {
        switch self {
        case .model(let m): return "language model error: \(m)"
        case .contextOverflow(let n, let limit):
            return "the prompt has \(n) tokens but the model's context holds \(limit): shorten the request or use fewer tools/examples"
        case .emptyRequest: return "the request is empty: type what you want the agent to do"
        case .invalidPlan(let errors):
            let list = errors.map { "line \($0.line): \($0.message)" }.joined(separator: "; ")
            return "the planner produced an invalid plan (not executed): \(list)"
        case .unknownTool(let name): return "Tool \(name) not found"
        case .arity(let tool, let expected, let got):
            let want = expected.lowerBound == expected.upperBound ? "\(expected.lowerBound)" : "\(expected.lowerBound) to \(expected.upperBound)"
            return "\(tool)() takes \(want) positional arguments but \(got) were given"
        case .argumentType(let tool, let argument, let position, let expected, let got):
            return "\(tool)() argument \(position) (\(argument)) must be \(expected), not \(got)"
        case .timeout(let tool, let seconds): return "\(tool) timed out after \(seconds) seconds"
        case .sandboxEscape(let path): return "the path \(path) is outside the workspace; only files inside the workspace folder can be used"
        case .fileNotFound(let path): return "No file found at \(path)"
        case .missingProgram(let name, let hint): return "\(name) is not installed: \(hint)"
        case .programFailed(let name, let status, let message): return "\(name) failed with status \(status): \(message)"
        case .database(let m): return "tool database error: \(m)"
        case .dependencyFailed(let step, let failed):
            return "step \(step) was not run because step \(failed) failed"
        case .tool(_, let message): return message
        case .prompt(let m): return "prompt template error: \(m)"
        case .scriptExhausted(let call): return "the scripted model has no output for call \(call)"
        case .toolRAG(let m): return "ToolRAG: \(m)"
        }
    }
}
