import EdgePlan
import Foundation
import Testing
@testable import EdgeAgent

@Suite struct JoinerTests {
    @Test func parsesFinishAndReplan() {
        #expect(JoinerDecision.parse("Thought: All done.\nAction: Finish(I sent the SMS (draft) to Sam.)", isFinal: false)
                == JoinerDecision(thought: "All done.", action: .finish("I sent the SMS (draft) to Sam.")))
        #expect(JoinerDecision.parse("Thought: step 2 failed, try again\nAction: Replan", isFinal: false)
                == JoinerDecision(thought: "step 2 failed, try again", action: .replan))
        #expect(JoinerDecision.parse("  Action: Replan(the address was wrong)", isFinal: false).action == .replan)
        // The last action line wins; no parentheses → empty answer (TinyAgent sliced "Action: Finis").
        #expect(JoinerDecision.parse("Action: Replan\nAction: Finish(ok)", isFinal: false).action == .finish("ok"))
        #expect(JoinerDecision.parse("Action: Finish", isFinal: false).action == .finish(""))
        // A final round cannot replan.
        #expect(JoinerDecision.parse("Action: Replan", isFinal: true).action == .finish(""))
        // No action line: the text is the answer.
        #expect(JoinerDecision.parse(" Hello there! ", isFinal: false).action == .finish("Hello there!"))
        #expect(JoinerDecision.parse("3. Yes, it is done.", isFinal: false).action == .finish("3. Yes, it is done."))
        // No action line and a plan instead of an answer (a planner-only fine-tune): no answer, the agent
        // answers from the observations.
        #expect(JoinerDecision.parse("1. get_phone_number(\"Alice\")\n2. send_sms([\"$1\"], \"hi\")", isFinal: false).action
                == .finish(""))
        // "Replan" inside a Finish answer is still a finish.
        #expect(JoinerDecision.parse("Action: Finish(No need to Replan.)", isFinal: false).action == .finish("No need to Replan."))
    }

    @Test func transcriptFollowsStringifyRules() throws {
        let schemas = try ToolSet.tinyAgent
        let steps = [
            StepResult(index: 1, tool: "get_email_address", arguments: [.string("Sid")], thought: "Find Sid",
                       status: .succeeded, observation: "sid@x.com", duration: 0),
            StepResult(index: 2, tool: "send_sms", arguments: [.list([.string("+1 555")]), .string("hi")], thought: nil,
                       status: .succeeded, observation: "SMS draft composed", duration: 0),
            StepResult(index: 3, tool: "reply_to_email", arguments: [.list([]), .string("ok"), .list([])], thought: nil,
                       status: .succeeded, observation: "Replied to the selected email successfully.", duration: 0),
            StepResult(index: 4, tool: "create_calendar_event", arguments: [.string("x")], thought: nil,
                       status: .succeeded, observation: "Event created successfully in the \"Calendar\" calendar.", duration: 0),
        ]
        let run = PlanRun(steps: steps, joinThought: nil)
        #expect(Transcript.appending(run, to: "", schemas: schemas) == """
            Thought: Find Sid
            get_email_address(Sid)
            Observation: sid@x.com
            send_sms(recipients=['+1 555'], message=hi)
            Observation: SMS draft composed
            reply_to_email(cc=[], content=ok, attachments=[])
            Observation: Replied to the selected email successfully.
            create_calendar_event(title=x)
            Observation: Event created successfully in the "Calendar" calendar.
            """)
        let context = Transcript.replanContext(PlanRun(steps: Array(steps.prefix(1)), joinThought: nil),
                                               joinerThought: "retry", schemas: schemas)
        #expect(context == "Thought: Find Sid\n1. get_email_address(Sid)\nObservation: sid@x.com\n\n\nThought: retry")
    }
}

@Suite struct AgentTests {
    static let smsPlan = """
        1. get_phone_number("Sam")
        2. send_sms(["$1"], "Running late")
        3. join()<END_OF_PLAN>
        """

    func agent(_ env: ToolEnvironment, maxRounds: Int = Agent.defaultMaxRounds) throws -> Agent {
        Agent(executor: PlanExecutor(runtime: try AgentFixture.runtime(env)), maxRounds: maxRounds)
    }

    /// Planner → executor → joiner with a finish on round 1; the trace holds both model calls.
    @Test func finishesInOneRound() async throws {
        let env = try AgentFixture.environment()
        // The joiner's prompt also holds the question, so its rule comes first.
        let lm = ScriptedLanguageModel(rules: [
            .init(contains: "Answer the question from the results of the plan below", reply: "Thought: done\nAction: Finish(I texted Sam.)"),
            .init(contains: "Question: Tell Sam I'm running late", role: "user", reply: Self.smsPlan),
        ])
        let trace = Trace()
        let events = Recorder<String>()
        let response = try await agent(env)("Tell Sam I'm running late", in: AgentFixture.context(lm, trace: trace) { e in
            if case .stepFinished(let s) = e { events.append("\(s.index):\(s.observation)") }
        })
        #expect(response.status == .finished && response.answer == "I texted Sam.")
        #expect(response.rounds.count == 1)
        #expect(trace.entries.map(\.module) == ["planner", "joiner"])
        #expect(trace.entries[0].output == Self.smsPlan.replacingOccurrences(of: "<END_OF_PLAN>", with: ""))
        #expect(trace.entries[0].promptTokens > 100 && trace.entries[0].completionTokens > 0)
        let joinerPrompt = trace.entries[1].messages[0].content
        #expect(joinerPrompt.contains("get_phone_number(Sam)\nObservation: +1415-555-0101\nsend_sms(recipients=['+1415-555-0101'], message=Running late)\nObservation: SMS draft composed"))
        #expect(Set(events.all) == ["1:+1415-555-0101", "2:SMS draft composed"])
        #expect(try await env.database.rows("sms_drafts").count == 1)
    }

    /// A joiner that always says Replan: the planner runs exactly maxRounds times and the last round finishes.
    @Test(arguments: [1, 2, 3])
    func replanLoopIsBounded(maxRounds: Int) async throws {
        let env = try AgentFixture.environment()
        let lm = ScriptedLanguageModel(rules: [
            .init(contains: "Make a plan that answers the user's request", reply: "1. get_email_address(\"Bob\")\n2. join()"),
            .init(contains: "Answer the question from the results of the plan below", reply: "Thought: not sure\nAction: Replan"),
        ])
        let trace = Trace()
        let response = try await agent(env, maxRounds: maxRounds)("Find Bob's address", in: AgentFixture.context(lm, trace: trace))
        #expect(response.rounds.count == maxRounds)
        #expect(trace.entries.filter { $0.module == "planner" }.count == maxRounds)
        #expect(response.status == .finished)
        #expect(response.answer == "bob.smith@example.com")   // fallback: last observation
        let planners = lm.calls.filter { $0.messages.first?.role == "system" }
        if maxRounds > 1 {
            let second = try #require(planners.last?.messages.last?.content)
            #expect(second.contains("Previous Plan:\n\n1. get_email_address(Bob)\nObservation: bob.smith@example.com"))
            #expect(second.hasSuffix("Current Plan:\n\n\n"))
            #expect(planners.last?.messages.first?.content.contains("Previous Plan") == true)
        }
        // Only the final joiner prompt forbids Replan.
        let joiners = lm.calls.filter { $0.messages.first?.role == "user" }.map { $0.messages[0].content }
        #expect(joiners.count == maxRounds)
        #expect(joiners.last?.contains("This is the last round: do not answer Replan") == true)
        #expect(joiners.dropLast().allSatisfy { !$0.contains("This is the last round") })
    }

    /// Garbage from the model is reported as an invalid plan and never executed.
    @Test func invalidPlanIsNeverExecuted() async throws {
        let env = try AgentFixture.environment()
        let before = try await env.database.snapshot()
        let lm = ScriptedLanguageModel(["1. create_reminder(\"x\", \"2024-05-01 10:00:00\")\n2. launch_rockets()\nblah"])
        let response = try await agent(env)("do it", in: AgentFixture.context(lm))
        #expect(response.status == .invalidPlan)
        #expect(response.answer.contains("invalid plan"))
        #expect(response.rounds.count == 1 && response.rounds[0].run == nil)
        #expect(!response.rounds[0].planner.errors.isEmpty)
        #expect(lm.calls.count == 1)
        #expect(try await env.database.snapshot() == before)
    }

    @Test func emptyRequestIsAnError() async throws {
        let env = try AgentFixture.environment()
        await #expect(throws: AgentError.emptyRequest) {
            _ = try await agent(env)("   \n", in: AgentFixture.context())
        }
    }

    /// A prompt larger than the model's context is a clear error, before any model call.
    @Test func contextOverflowIsReported() async throws {
        let env = try AgentFixture.environment()
        let lm = ScriptedLanguageModel(rules: [], outputs: ["never"], contextLength: 2048)
        let long = String(repeating: "please do this very long thing ", count: 1000)
        await #expect {
            _ = try await agent(env)(long, in: AgentFixture.context(lm))
        } throws: { error in
            guard case AgentError.contextOverflow(_, let limit) = error else { return false }
            return limit == 2048 && "\(error)".contains("context")
        }
        #expect(lm.calls.isEmpty)
    }
}
