import EdgePlan
import Foundation
import Testing
@testable import EdgeAgent

@Suite struct PlanExecutorTests {
    enum Event: Equatable, Sendable { case started(String), finished(String) }

    /// Two independent steps must both start before either finishes. Each waits at a two-party barrier
    /// before finishing: run one after the other, the first would wait alone until the barrier's limit
    /// and report that it was not joined, so the check does not depend on timing.
    @Test func independentStepsOverlap() async throws {
        let env = try AgentFixture.environment()
        let barrier = Barrier(parties: 2)
        let events = Recorder<Event>()
        let joined = Recorder<Bool>()
        let waitTool = AgentTool(schema: AgentFixture.schema("wait_for_peer", [("label", .string)]), sideEffects: false) { args, _ in
            let label = try args.string("label")
            events.append(.started(label))
            joined.append(await barrier.arrive(limit: 5))
            events.append(.finished(label))
            return "done \(label)"
        }
        let runtime = try AgentFixture.runtime(env, extra: [waitTool])
        let plan = try AgentFixture.plan("""
            1. wait_for_peer("a")
            2. wait_for_peer("b")
            3. join()
            """)
        let run = try await PlanExecutor(runtime: runtime)(PlanExecution(plan: plan, query: "q"), in: AgentFixture.context())
        #expect(run.steps.map(\.observation) == ["done a", "done b"])
        #expect(joined.all == [true, true])
        let order = events.all
        let firstFinish = try #require(order.firstIndex { if case .finished = $0 { return true } else { return false } })
        #expect(order.prefix(firstFinish).count == 2, "both steps started before either finished: \(order)")
    }

    /// `$N` in plain strings, braced, inside lists; unrelated `$` text is left alone.
    @Test func substitutesIntoStringsAndLists() async throws {
        let env = try AgentFixture.environment()
        let captured = Recorder<[PlanValue]>()
        let value = AgentTool(schema: AgentFixture.schema("value", [("x", .string)]), sideEffects: false) { args, _ in
            try args.string("x")
        }
        let capture = AgentTool(schema: AgentFixture.schema("capture", [("xs", .array(.string)), ("s", .string)]),
                                sideEffects: false) { args, _ in
            captured.append(args.values)
            return "ok"
        }
        let runtime = try AgentFixture.runtime(env, extra: [value, capture])
        let plan = try AgentFixture.plan("""
            1. value("sam@example.com")
            2. value("Bob")
            3. capture(["$1", "${2}", "x"], "Hi $2, cc ${1}.")
            4. join()
            """)
        let run = try await PlanExecutor(runtime: runtime)(PlanExecution(plan: plan, query: "q"), in: AgentFixture.context())
        #expect(run.steps.allSatisfy { $0.succeeded })
        #expect(captured.all == [[.list([.string("sam@example.com"), .string("Bob"), .string("x")]),
                                  .string("Hi Bob, cc sam@example.com.")]])
        #expect(run.steps[2].arguments == captured.all[0])
    }

    @Test func substitutionReplacesWholeNumbersOnly() {
        let obs = [1: "ONE", 2: "TWO"]
        #expect(Substitution.apply("$1 $12 ${2} $5 ${1}x $ $x", observations: obs) == "ONE $12 TWO $5 ONEx $ $x")
        #expect(Substitution.apply(.tuple([.list([.string("$2")]), .reference(PlanReference(step: 1))]), observations: obs)
                == .tuple([.list([.string("TWO")]), .string("ONE")]))
        #expect(Substitution.apply(.int(3), observations: obs) == .int(3))
    }

    /// Step 1 fails: its dependants (3, and 4 through 3) are skipped and name step 1; step 2 still runs.
    @Test func failingStepStopsItsDependants() async throws {
        let env = try AgentFixture.environment()
        let ran = Recorder<String>()
        let fail = AgentTool(schema: AgentFixture.schema("explode", [("x", .string)]), sideEffects: false) { _, _ in
            ran.append("explode")
            throw AgentError.tool("explode", message: "boom")
        }
        let value = AgentTool(schema: AgentFixture.schema("value", [("x", .string)]), sideEffects: false) { args, _ in
            ran.append("value:" + (try args.string("x")))
            return try args.string("x")
        }
        let runtime = try AgentFixture.runtime(env, extra: [fail, value])
        let plan = try AgentFixture.plan("""
            1. explode("now")
            2. value("independent")
            3. value("$1")
            4. value("after $3")
            5. join()
            """)
        let run = try await PlanExecutor(runtime: runtime)(PlanExecution(plan: plan, query: "q"), in: AgentFixture.context())
        #expect(run.steps.map(\.status) == [.failed("boom"), .succeeded, .skipped(failedStep: 1), .skipped(failedStep: 1)])
        #expect(run.steps[0].observation == "Error: boom! You MUST correct this error and try again!")
        #expect(run.steps[2].observation.contains("step 3 was not run because step 1 failed"))
        #expect(run.steps[3].observation.contains("step 4 was not run because step 1 failed"))
        #expect(Set(ran.all) == ["explode", "value:independent"])
        #expect(run.failedSteps.map(\.index) == [1])
    }

    /// A tool that never returns (and ignores cancellation) times out with an error observation.
    /// The tool's continuation is never resumed, so the run can only finish through the timeout — no wall-clock
    /// bound needed (those fail on a 2-core CI machine whose cooperative threads are busy with other suites).
    @Test func toolTimeout() async throws {
        let env = try AgentFixture.environment()
        let hang = AgentTool(schema: AgentFixture.schema("hang", []), sideEffects: false, timeout: 0.2) { _, _ in
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in NeverResumed.keep(c) }
            return "too late"
        }
        let runtime = try AgentFixture.runtime(env, extra: [hang])
        let plan = try AgentFixture.plan("1. hang()\n2. join()")
        let run = try await PlanExecutor(runtime: runtime)(PlanExecution(plan: plan, query: "q"), in: AgentFixture.context())
        #expect(run.steps[0].status == .failed("hang timed out after 0.2 seconds"))
    }

    /// Bad arguments become observations, never crashes; an invalid plan is never run.
    @Test func errorsBecomeObservationsAndInvalidPlansAreRefused() async throws {
        let env = try AgentFixture.environment()
        let runtime = try AgentFixture.runtime(env)
        let executor = PlanExecutor(runtime: runtime)
        let run = try await executor(PlanExecution(plan: try AgentFixture.plan("""
            1. create_reminder("x", "next tuesday", "", "", 0, False)
            2. join()
            """), query: "q"), in: AgentFixture.context())
        #expect(run.steps[0].observation == "Error: Invalid isoformat string: 'next tuesday'! You MUST correct this error and try again!")

        let invalid = Plan(steps: [PlanStep(index: 1, tool: "create_reminder", arguments: [.string("x")]),
                                   PlanStep(index: 2, tool: "no_such_tool"), PlanStep(index: 3, tool: "join")])
        let before = try await env.database.snapshot()
        await #expect(throws: AgentError.self) {
            _ = try await executor(PlanExecution(plan: invalid, query: "q"), in: AgentFixture.context())
        }
        #expect(try await env.database.snapshot() == before)
    }

    /// The approval hook can decline a side-effecting call; read-only calls are not asked about.
    @Test func approvalHookDeclines() async throws {
        let env = try AgentFixture.environment()
        let asked = Recorder<String>()
        let executor = PlanExecutor(runtime: try AgentFixture.runtime(env)) { tool, _ in
            asked.append(tool)
            return false
        }
        let run = try await executor(PlanExecution(plan: try AgentFixture.plan("""
            1. get_phone_number("Sam")
            2. send_sms(["$1"], "hi")
            3. join()
            """), query: "q"), in: AgentFixture.context())
        #expect(asked.all == ["send_sms"])
        #expect(run.steps.map(\.status) == [.succeeded, .declined])
        #expect(try await env.database.rows("sms_drafts").isEmpty)
    }
}

/// Holds continuations that are deliberately never resumed (a tool that hangs forever).
enum NeverResumed {
    nonisolated(unsafe) private static var held: [CheckedContinuation<Void, Never>] = []
    private static let lock = NSLock()
    static func keep(_ c: CheckedContinuation<Void, Never>) { lock.lock(); held.append(c); lock.unlock() }
}
