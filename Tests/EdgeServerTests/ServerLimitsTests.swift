import Foundation
import Testing
@testable import EdgeServer

/// Authentication, bad input, body limit, the bounded queue and client disconnects.
@Suite(.serialized) struct ServerLimitsTests {
    private func error(_ r: HTTPTestClient.Response) throws -> [String: Any] {
        try #require(r.json()["error"] as? [String: Any])
    }

    @Test func apiKeyIsRequiredOnEveryRoute() async throws {
        try await ServerHarness.withServer(ServerHarness.configuration(apiKey: "sekret")) { _, client in
            var anonymous = client
            anonymous.apiKey = nil
            for (method, path) in [("GET", "/health"), ("GET", "/v1/models"), ("POST", "/v1/chat/completions")] {
                let r = try await anonymous.request(method, path, json: method == "POST" ? ServerHarness.chat() : nil)
                #expect(r.status == 401, "\(path)")
                let e = try error(r)
                #expect(e["type"] as? String == "authentication_error" && e["code"] as? String == "invalid_api_key")
            }
            var wrong = client
            wrong.apiKey = "sekreT"
            #expect(try await wrong.request("GET", "/v1/models").status == 401)
            #expect(try await client.request("GET", "/v1/models").status == 200)
            #expect(try await client.request("POST", "/v1/chat/completions", json: ServerHarness.chat(maxTokens: 2)).status == 200)
        }
    }

    /// Each bad body gets 400 with an OpenAI error object naming the field.
    @Test func badBodiesAre400WithTheField() async throws {
        let m = ServerHarness.modelId
        let cases: [(String, Data, String?, String?)] = [   // path, body, expected param, expected code
            ("/v1/chat/completions", Data("{\"model\": ".utf8), nil, "invalid_json"),
            ("/v1/chat/completions", Data("[1, 2]".utf8), nil, "invalid_type"),
            ("/v1/chat/completions", Data(), nil, nil),
            ("/v1/chat/completions", json(["model": m]), "messages", "missing_required_parameter"),
            ("/v1/chat/completions", json(["model": m, "messages": "hi"]), "messages", "invalid_type"),
            ("/v1/chat/completions", json(["model": m, "messages": [["role": "user", "content": 5]]]), "messages[0].content", nil),
            ("/v1/chat/completions", json(["model": m, "messages": [["role": "robot", "content": "x"]]]), "messages[0].role", "invalid_value"),
            ("/v1/chat/completions", json(["model": m, "messages": []]), "messages", "invalid_value"),
            ("/v1/chat/completions", json(["model": "gpt-4o", "messages": [["role": "user", "content": "x"]]]), "model", "model_not_found"),
            ("/v1/chat/completions", json(["model": m, "messages": [["role": "user", "content": "x"]], "temperature": "hot"]), "temperature", "invalid_type"),
            ("/v1/chat/completions", json(["model": m, "messages": [["role": "user", "content": "x"]], "temperature": 3]), "temperature", "invalid_value"),
            ("/v1/chat/completions", json(["model": m, "messages": [["role": "user", "content": "x"]], "max_tokens": 100000]), "max_tokens", "invalid_value"),
            ("/v1/chat/completions", json(["model": m, "messages": [["role": "user", "content": "x"]], "max_tokens": 0]), "max_tokens", "invalid_value"),
            ("/v1/chat/completions", json(["model": m, "messages": [["role": "user", "content": "x"]], "n": 2]), "n", "invalid_value"),
            ("/v1/chat/completions", json(["model": m, "messages": [["role": "user", "content": "x"]], "stop": [1]]), "stop[0]", nil),
            ("/v1/completions", json(["model": m, "prompt": ["a", "b"]]), "prompt", "invalid_value"),
            ("/v1/completions", json(["model": m, "prompt": ""]), "prompt", "invalid_value"),
            ("/v1/plan", json(["query": 5]), "query", "invalid_type"),
            ("/v1/plan", json(["query": "   "]), "query", "invalid_value"),
            ("/v1/plan", json(["query": "x", "now": "yesterday"]), "now", "invalid_value"),
            ("/v1/agent", json(["query": "x", "max_rounds": 9]), "max_rounds", "invalid_value"),
        ]
        try await ServerHarness.withServer { _, client in
            for (path, body, param, code) in cases {
                let r = try await client.request("POST", path, body: body)
                let label = "\(path) \(String(decoding: body, as: UTF8.self))"
                #expect(r.status == 400, "\(label): \(r.status) \(r.text)")
                let e = try error(r)
                #expect(e["type"] as? String == "invalid_request_error", "\(label)")
                #expect((e["message"] as? String)?.isEmpty == false)
                if let param { #expect(e["param"] as? String == param, "\(label): \(r.text)") }
                if let code { #expect(e["code"] as? String == code, "\(label): \(r.text)") }
            }
            let unknown = try await client.request("GET", "/v2/nothing")
            let unknownCode = try error(unknown)["code"] as? String
            #expect(unknown.status == 404 && unknownCode == "unknown_url")
            #expect(try await client.request("GET", "/health").status == 200)
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        try await ServerHarness.withServer { _, client in
            let big = "{\"model\": \"preset:tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"" + String(repeating: "a", count: 1 << 21) + "\"}]}"
            let r = try await client.request("POST", "/v1/chat/completions", body: Data(big.utf8))
            #expect(r.status == 413)
            #expect(try error(r)["code"] as? String == "request_too_large")
            #expect(try await client.request("GET", "/health").status == 200)
        }
    }

    /// With one run slot held and `--max-queue 1`, the first request waits, the second gets 429 with
    /// Retry-After, and the waiting one is answered once the slot frees.
    @Test func fullQueueAnswers429WithRetryAfter() async throws {
        try await ServerHarness.withServer(ServerHarness.configuration(maxQueue: 1)) { server, client in
            let held = try await server.engine.admit()
            async let waiting = client.request("POST", "/v1/chat/completions", json: ServerHarness.chat(maxTokens: 2))
            let queued = await ServerHarness.eventually { await server.engine.admission.load.waiting == 1 }
            #expect(queued)
            let refused = try await client.request("POST", "/v1/chat/completions", json: ServerHarness.chat(maxTokens: 2))
            #expect(refused.status == 429)
            #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
            #expect(try error(refused)["type"] as? String == "rate_limit_error")
            let health = try await client.request("GET", "/health").json()
            #expect(health["queued"] as? Int == 1 && health["running"] as? Int == 1)
            await held.release()
            #expect(try await waiting.status == 200)
        }
    }

    /// `--parallel 2`: two run slots, each with its own KV cache. With one slot held, a request still runs in
    /// the other at once (none waits), and greedy answers from concurrent slots equal the answer of one slot
    /// alone (no state shared between slots).
    @Test func parallelSlotsRunConcurrentlyWithSameAnswers() async throws {
        try await ServerHarness.withServer(ServerHarness.configuration(maxQueue: 0, parallel: 2)) { server, client in
            let alone = try await client.request("POST", "/v1/chat/completions", json: ServerHarness.chat("Hello there", maxTokens: 12))
            #expect(alone.status == 200)
            let expected = try #require(try alone.chatContent())
            let held = try await server.engine.admit()
            let second = try await client.request("POST", "/v1/chat/completions", json: ServerHarness.chat("Hello there", maxTokens: 12))
            #expect(second.status == 200, "the free slot answers while the other is held (max-queue 0): \(second.text)")
            #expect(try second.chatContent() == expected)
            let health = try await client.request("GET", "/health").json()
            #expect(health["parallel"] as? Int == 2 && health["running"] as? Int == 1)
            await held.release()
            async let a = client.request("POST", "/v1/chat/completions", json: ServerHarness.chat("Hello there", maxTokens: 12))
            async let b = client.request("POST", "/v1/chat/completions", json: ServerHarness.chat("Hello there", maxTokens: 12))
            let (ra, rb) = try await (a, b)
            #expect(ra.status == 200 && rb.status == 200, "both slots admit at once: \(ra.status) \(rb.status)")
            #expect(try ra.chatContent() == expected && rb.chatContent() == expected)
        }
    }

    /// A streaming client that goes away stops the generation long before `max_tokens`.
    @Test func clientDisconnectCancelsGeneration() async throws {
        try await ServerHarness.withServer(ServerHarness.configuration(maxTokensCap: 2000)) { server, client in
            let body = try JSONSerialization.data(withJSONObject: ServerHarness.chat(maxTokens: 2000, extra: ["stream": true]))
            var raw = Data("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
            raw.append(body)
            let received = try await client.send(raw, closeAfter: 300)   // headers and the first events, then hang up
            #expect(String(decoding: received, as: UTF8.self).contains("data: "))
            let stopped = await ServerHarness.eventually(60) { server.stats.cancelled == 1 }
            #expect(stopped)
            #expect((server.stats.lastCancelledTokens ?? 2000) < 2000)
            #expect(try await client.request("POST", "/v1/chat/completions", json: ServerHarness.chat(maxTokens: 2)).status == 200)
        }
    }

    private func json(_ object: Any) -> Data { (try? JSONSerialization.data(withJSONObject: object)) ?? Data() }
}
