import EdgePlan
import Foundation
import Logging

/// The outcome of one plan step.
public struct StepResult: Sendable {
    public enum Status: Sendable, Equatable {
        case succeeded
        /// The tool threw (bad arguments, sandbox, timeout, database, …); the message is the error's text.
        case failed(String)
        /// Not run because a step it depends on (directly or not) failed; `failedStep` is that step.
        case skipped(failedStep: Int)
        /// The approval hook refused a side-effecting call.
        case declined
    }

    public var index: Int
    public var tool: String
    /// Arguments after `$N` substitution (as written for skipped steps).
    public var arguments: [PlanValue]
    /// The `Thought:` line just before the step, if any.
    public var thought: String?
    public var status: Status
    /// What the joiner sees: the tool's string, or `Error: …! You MUST correct this error and try again!`.
    public var observation: String
    /// Seconds the call took (0 for skipped steps).
    public var duration: Double

    public var succeeded: Bool { status == .succeeded }
}

/// A plan and the request it answers (sub-agents read the request).
public struct PlanExecution: Sendable {
    public var plan: Plan
    public var query: String

    public init(plan: Plan, query: String) {
        self.plan = plan
        self.query = query
    }
}

/// What a plan run produced: one result per non-join step, in plan order.
public struct PlanRun: Sendable {
    public var steps: [StepResult]
    /// The join step's thought (the `Thought:` before `join()`), if any.
    public var joinThought: String?

    /// Steps that failed (not counting skipped ones).
    public var failedSteps: [StepResult] { steps.filter { if case .failed = $0.status { return true } else { return false } } }
}

/// Runs a plan's DAG (reference §2.5, with the runtime fixes of §8):
///
/// - every step whose dependencies are done starts at once, as a child task of a task group, so
///   independent steps run in parallel; `join()` is not called;
/// - before a call, each `$N` / `${N}` naming a dependency is replaced by that step's observation, in
///   strings (anywhere in the text, whole number only: `$12` is never read as `$1` + "2") and recursively
///   in lists and tuples; an unquoted `$N` becomes a string;
/// - each call has its tool's timeout; a failure becomes an error observation (never a crash), and every
///   step depending on the failed one (transitively) is *skipped* with an observation naming the failed
///   step, while independent steps still run;
/// - with `dryRun`, tools describe side effects instead of performing them.
///
/// The plan is validated against the runtime's schemas first; an invalid plan is never executed.
public struct PlanExecutor: Module {
    public typealias Input = PlanExecution
    public typealias Output = PlanRun

    /// Asked before each side-effecting call (not in dry runs); false declines it (the REPL's confirmation).
    public typealias Approval = @Sendable (_ tool: String, _ arguments: [PlanValue]) async -> Bool

    public var runtime: ToolRuntime
    public var dryRun: Bool
    public var approve: Approval?
    /// Overrides every tool's own timeout (seconds) when set.
    public var timeoutOverride: Double?

    static let logger = Logger(label: "edgeagent.executor")

    public init(runtime: ToolRuntime, dryRun: Bool = false, approve: Approval? = nil, timeoutOverride: Double? = nil) {
        self.runtime = runtime
        self.dryRun = dryRun
        self.approve = approve
        self.timeoutOverride = timeoutOverride
    }

    public func callAsFunction(_ input: PlanExecution, in context: ModuleContext) async throws -> PlanRun {
        let errors = PlanValidator(tools: runtime.schemas).validate(input.plan)
        guard errors.isEmpty else { throw AgentError.invalidPlan(errors: errors) }

        // Thoughts attach to the step after them (TinyAgent's parser).
        var steps: [PlanStep] = []
        var thoughts: [Int: String] = [:]
        var pending: String?
        var joinThought: String?
        for item in input.plan.items {
            switch item {
            case .thought(let t): pending = t.text
            case .step(let s):
                if s.isJoin { joinThought = pending } else { steps.append(s); thoughts[s.index] = pending }
                pending = nil
            }
            if case .step(let s) = item, s.isJoin { break }
        }
        let indices = Set(steps.map(\.index))
        let deps = Dictionary(uniqueKeysWithValues: steps.map { s in
            (s.index, s.dependencies.filter { $0 < s.index && indices.contains($0) })
        })
        let toolContext = runtime.context(module: context, query: input.query, dryRun: dryRun)

        var results: [Int: StepResult] = [:]
        var started = Set<Int>()
        await withTaskGroup(of: StepResult.self) { group in
            var running = 0
            while true {
                // Start (or skip) every step whose dependencies are all finished.
                var progressed = true
                while progressed {
                    progressed = false
                    for step in steps where !started.contains(step.index) {
                        let stepDeps = deps[step.index] ?? []
                        guard stepDeps.allSatisfy({ results[$0] != nil }) else { continue }
                        started.insert(step.index)
                        progressed = true
                        if let root = Self.failedRoot(stepDeps, results) {
                            let skipped = Self.skipped(step, thought: thoughts[step.index], failedStep: root)
                            results[step.index] = skipped
                            context.emit(.stepFinished(skipped))
                            continue
                        }
                        let observations = stepDeps.reduce(into: [Int: String]()) { $0[$1] = results[$1]?.observation }
                        let thought = thoughts[step.index]
                        running += 1
                        group.addTask {
                            await self.run(step, thought: thought, observations: observations, toolContext: toolContext,
                                           module: context)
                        }
                    }
                }
                guard running > 0, let result = await group.next() else { break }
                running -= 1
                results[result.index] = result
                context.emit(.stepFinished(result))
            }
        }
        return PlanRun(steps: steps.compactMap { results[$0.index] }, joinThought: joinThought)
    }

    /// The failed step behind `deps`, if any of them failed or was skipped (first in dependency order).
    static func failedRoot(_ deps: [Int], _ results: [Int: StepResult]) -> Int? {
        for d in deps {
            switch results[d]?.status {
            case .failed, .declined: return d
            case .skipped(let root): return root
            default: continue
            }
        }
        return nil
    }

    static func skipped(_ step: PlanStep, thought: String?, failedStep: Int) -> StepResult {
        let error = AgentError.dependencyFailed(step: step.index, failedStep: failedStep)
        return StepResult(index: step.index, tool: step.tool, arguments: step.arguments, thought: thought,
                          status: .skipped(failedStep: failedStep), observation: ToolObservation.error(error.description),
                          duration: 0)
    }

    private func run(_ step: PlanStep, thought: String?, observations: [Int: String], toolContext: ToolContext,
                     module: ModuleContext) async -> StepResult {
        let arguments = step.arguments.map { Substitution.apply($0, observations: observations) }
        module.emit(.stepStarted(index: step.index, tool: step.tool, arguments: arguments.map(PlanPrinter.print)))
        let start = DispatchTime.now().uptimeNanoseconds
        func result(_ status: StepResult.Status, _ observation: String) -> StepResult {
            StepResult(index: step.index, tool: step.tool, arguments: arguments, thought: thought, status: status,
                       observation: observation,
                       duration: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        guard let tool = runtime.tools[step.tool] else {
            let message = AgentError.unknownTool(step.tool).description
            return result(.failed(message), ToolObservation.error(message))
        }
        if tool.sideEffects, !dryRun, let approve, !(await approve(step.tool, arguments)) {
            return result(.declined, ToolObservation.error("the user declined to run \(step.tool)"))
        }
        let timeout = timeoutOverride ?? tool.timeout
        let runtime = self.runtime
        do {
            let output = try await Timeout.run(seconds: timeout, tool: step.tool) {
                try await runtime.call(step.tool, arguments: arguments, context: toolContext)
            }
            Self.logger.debug("step \(step.index) \(step.tool) succeeded")
            return result(.succeeded, output)
        } catch {
            let message = (error as? AgentError)?.description ?? "\(error)"
            Self.logger.info("step \(step.index) \(step.tool) failed: \(message)")
            return result(.failed(message), ToolObservation.error(message))
        }
    }
}

/// TinyAgent's observation strings.
public enum ToolObservation {
    /// `Error: <message>! You MUST correct this error and try again!` (reference §2.6; the joiner treats
    /// "try again" as fixable and replans).
    public static func error(_ message: String) -> String {
        "Error: \(message)! You MUST correct this error and try again!"
    }
}

/// `$N` substitution into argument values.
public enum Substitution {
    /// `value` with every `$N` / `${N}` whose N has an observation replaced by it; other `$` text
    /// (money such as `$5` when step 5 is not a dependency) is left alone.
    public static func apply(_ value: PlanValue, observations: [Int: String]) -> PlanValue {
        switch value {
        case .string(let s): return .string(apply(s, observations: observations))
        case .reference(let r): return observations[r.step].map(PlanValue.string) ?? value
        case .list(let xs): return .list(xs.map { apply($0, observations: observations) })
        case .tuple(let xs): return .tuple(xs.map { apply($0, observations: observations) })
        case .int, .float, .bool, .none: return value
        }
    }

    /// The text with each whole `$N` / `${N}` replaced when N has an observation.
    public static func apply(_ text: String, observations: [Int: String]) -> String {
        guard text.contains("$") else { return text }
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "$" {
                var j = i + 1
                let braced = j < chars.count && chars[j] == "{"
                if braced { j += 1 }
                let digitsStart = j
                while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1 }
                let closed = !braced || (j < chars.count && chars[j] == "}")
                if j > digitsStart, closed, let n = Int(String(chars[digitsStart..<j])), let obs = observations[n] {
                    out += obs
                    i = braced ? j + 1 : j
                    continue
                }
            }
            out.append(chars[i])
            i += 1
        }
        return out
    }
}

/// Runs an async body with a deadline that holds even if the body ignores cancellation.
enum Timeout {
    static func run<T: Sendable>(seconds: Double, tool: String,
                                 _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await body() }
        let once = Once()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                let timer = Task {
                    try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
                    guard !Task.isCancelled, once.claim() else { return }
                    work.cancel()
                    continuation.resume(throwing: AgentError.timeout(tool: tool, seconds: seconds))
                }
                Task {
                    let result = await work.result
                    timer.cancel()
                    if once.claim() { continuation.resume(with: result) }
                }
            }
        } onCancel: {
            work.cancel()
        }
    }

    /// A flag that can be claimed once across threads.
    final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var claimed = false

        func claim() -> Bool {
            lock.withLock {
                defer { claimed = true }
                return !claimed
            }
        }
    }
}
