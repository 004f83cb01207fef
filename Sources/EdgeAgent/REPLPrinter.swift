import EdgePlan
import Foundation

/// Turns one request's ``AgentEvent``s into the REPL's sections:
///
/// ```
/// === plan ===                      (=== plan (round 2) === on a replan)
/// 1. get_phone_number("Sam")        streamed as the planner writes it
/// 2. send_sms(["$1"], "I am late")
/// 3. join()
/// === run ===
/// ✓ 1. get_phone_number("Sam") → +1 415 555 0101
/// ✓ 2. send_sms(["+1 415 555 0101"], "I am late") → Message sent.
/// === answer ===
/// I told Sam you are running late.
/// (2 model calls · 812 prompt + 41 output tokens · 0.9 s)
/// ```
///
/// Events arrive from concurrent tasks (parallel steps), so a lock keeps each write whole and the section
/// state consistent. The section markers are a contract: the pseudo-terminal test looks for them.
final class REPLPrinter: @unchecked Sendable {
    static let planMarker = "=== plan ==="
    static let runMarker = "=== run ==="
    static let answerMarker = "=== answer ==="
    /// Longest observation shown on a step line.
    static let observationLimit = 200

    private let write: @Sendable (String) -> Void
    private let lock = NSLock()
    /// Plans seen so far (the current planning round is `plans + 1`).
    private var plans = 0
    /// Inside a streamed plan section; whether the last text written ended a line.
    private var inPlan = false
    private var atLineStart = true
    /// The round whose `=== run ===` header has been written.
    private var runHeaderRound = 0

    init(write: @escaping @Sendable (String) -> Void) { self.write = write }

    func handle(_ event: AgentEvent) {
        lock.withLock {
            switch event {
            case .modelText(let module, let text) where module == PlannerSignature.name:
                openPlan()
                emit(text)
            case .modelText:
                break
            case .plan(_, let result):
                if !inPlan {   // a model that does not stream: show the whole text now
                    openPlan()
                    emit(result.text)
                }
                endLine()
                inPlan = false
                plans += 1
                if !result.isValid {
                    emit("The plan is invalid and was not run:\n")
                    for e in result.errors { emit("  line \(e.line): \(e.message)\n") }
                }
            case .stepStarted:
                break
            case .stepFinished(let step):
                if runHeaderRound != plans {
                    endLine()
                    emit(Self.runMarker + "\n")
                    runHeaderRound = plans
                }
                emit(Self.stepLine(step) + "\n")
            case .decision(_, let decision):
                if decision.action == .replan {
                    emit("(the joiner asks for a new plan" + (decision.thought.map { ": \($0)" } ?? "") + ")\n")
                }
            }
        }
    }

    /// Ends a half-written line (after an error interrupted the stream).
    func closeStream() {
        lock.withLock {
            endLine()
            inPlan = false
        }
    }

    /// Writes the answer section and the request's totals.
    func finish(_ response: AgentResponse, totals: (promptTokens: Int, completionTokens: Int, latency: Double), calls: Int) {
        lock.withLock {
            endLine()
            inPlan = false
            emit(Self.answerMarker + "\n" + response.answer + "\n")
            emit(String(format: "(%d model call%@ · %d prompt + %d output tokens · %.1f s)\n", calls, calls == 1 ? "" : "s",
                        totals.promptTokens, totals.completionTokens, totals.latency))
        }
    }

    /// `✓ 1. tool(args) → observation`, `✗ …: error`, `– … skipped`, `✗ … declined`.
    static func stepLine(_ step: StepResult) -> String {
        let call = "\(step.index). \(step.tool)(\(step.arguments.map(PlanPrinter.print).joined(separator: ", ")))"
        switch step.status {
        case .succeeded: return "✓ \(call) → \(short(step.observation))"
        case .failed(let message): return "✗ \(call) failed: \(short(message))"
        case .skipped(let failed): return "– \(call) skipped: step \(failed) failed"
        case .declined: return "✗ \(call) declined: not run"
        }
    }

    /// One line of at most ``observationLimit`` characters.
    static func short(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ⏎ ")
        return line.count <= observationLimit ? line : String(line.prefix(observationLimit)) + "…"
    }

    // Callers hold the lock.

    private func openPlan() {
        guard !inPlan else { return }
        endLine()
        let round = plans + 1
        emit((round == 1 ? Self.planMarker : "=== plan (round \(round)) ===") + "\n")
        inPlan = true
    }

    private func emit(_ text: String) {
        guard !text.isEmpty else { return }
        write(text)
        atLineStart = text.hasSuffix("\n")
    }

    private func endLine() {
        if !atLineStart { emit("\n") }
    }
}
