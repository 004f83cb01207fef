import EdgeAgent
import Foundation
import Testing
@testable import EdgeServer

/// `/v1/plan` and `/v1/agent`: JSON shapes, validation and dry-run execution (scripted model), and the real
/// tiny model behind the queue.
@Suite(.serialized) struct AgentEndpointTests {
    static let plan = """
        1. get_phone_number("Sam")
        2. send_sms(["$1"], "The meeting moved to 3pm.")
        3. join()<END_OF_PLAN>
        """

    @Test func planReturnsTextStepsAndValidation() async throws {
        let lm = ScriptedLanguageModel([Self.plan, "1. fly_to_the_moon()\n2. join()<END_OF_PLAN>"])
        try await ServerHarness.withServer(agentModel: lm) { _, client in
            let r = try await client.request("POST", "/v1/plan", json: ["query": "Text Sam that the meeting moved to 3pm",
                                                                        "now": "2024-05-01T09:00:00Z"])
            #expect(r.status == 200, "\(r.text)")
            let json = try r.json()
            #expect(json["valid"] as? Bool == true && (json["errors"] as? [Any])?.isEmpty == true)
            #expect((json["plan"] as? String)?.contains("send_sms") == true)
            let steps = try #require(json["steps"] as? [[String: Any]])
            #expect(steps.map { $0["tool"] as? String ?? "" } == ["get_phone_number", "send_sms", "join"])
            #expect(steps[1]["index"] as? Int == 2)
            #expect((steps[1]["args"] as? [Any])?.first as? [String] == ["$1"])

            let bad = try await client.request("POST", "/v1/plan", json: ["query": "go to the moon", "constrain": false]).json()
            #expect(bad["valid"] as? Bool == false && bad["constrained"] as? Bool == false)
            let errors = try #require(bad["errors"] as? [[String: Any]])
            #expect(errors.contains { ($0["message"] as? String)?.contains("fly_to_the_moon") == true })
        }
    }

    @Test func agentRunsThePlanDryAndAnswers() async throws {
        let lm = ScriptedLanguageModel([Self.plan, "Thought: the text was sent.\nAction: Finish(I texted Sam.)"])
        try await ServerHarness.withServer(agentModel: lm) { _, client in
            let r = try await client.request("POST", "/v1/agent", json: ["query": "Text Sam that the meeting moved to 3pm"])
            #expect(r.status == 200, "\(r.text)")
            let json = try r.json()
            #expect(json["status"] as? String == "finished")
            #expect(json["answer"] as? String == "I texted Sam.")
            #expect(json["dry_run"] as? Bool == true)
            let rounds = try #require(json["rounds"] as? [[String: Any]])
            #expect(rounds.count == 1 && rounds[0]["decision"] as? String == "finish")
            let results = try #require(rounds[0]["results"] as? [[String: Any]])
            #expect(results.map { $0["tool"] as? String ?? "" } == ["get_phone_number", "send_sms"])
            #expect(results.allSatisfy { ($0["observation"] as? String)?.isEmpty == false })
        }
    }

    /// With the real (random-weight) model the planner answers through the queue: a plan object (almost surely
    /// invalid) or, when the planner prompt does not fit the tiny context, a 400 saying so — never a 500.
    @Test func realModelPlanAnswersOrRejectsCleanly() async throws {
        try await ServerHarness.withServer(ServerHarness.configuration(maxTokensCap: 64)) { _, client in
            let r = try await client.request("POST", "/v1/plan", json: ["query": "Text Sam hi", "constrain": false])
            if r.status == 200 {
                let json = try r.json()
                #expect(json["plan"] is String && json["steps"] is [Any] && json["valid"] is Bool && json["errors"] is [Any])
            } else {
                #expect(r.status == 400, "\(r.text)")
                #expect((try r.json()["error"] as? [String: Any])?["code"] as? String == "context_length_exceeded")
            }
        }
    }

    /// The real tiny model with the minimal planner prompt (which fits preset:tiny's context): schema-constrained
    /// decoding makes even random weights emit a valid plan ending in join().
    @Test func realModelConstrainedPlanIsValid() async throws {
        var configuration = ServerHarness.configuration(maxTokensCap: 256)
        configuration.promptStyle = .minimal
        try await ServerHarness.withServer(configuration) { _, client in
            let r = try await client.request("POST", "/v1/plan", json: ["query": "Text Sam that I'm late", "now": "2024-05-01 09:00"])
            #expect(r.status == 200, "\(r.text)")
            let json = try r.json()
            #expect(json["constrained"] as? Bool == true)
            #expect(json["valid"] as? Bool == true, "\(json["plan"] ?? "") → \(json["errors"] ?? "")")
            let steps = try #require(json["steps"] as? [[String: Any]])
            #expect(steps.last?["tool"] as? String == "join")
        }
    }
}
