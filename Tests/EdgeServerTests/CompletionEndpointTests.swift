import EdgeInference
import EdgeModel
import Foundation
import Testing
@testable import EdgeServer

/// OpenAI-compatible endpoints against a live server on loopback, `preset:tiny`.
@Suite(.serialized) struct CompletionEndpointTests {
    @Test func healthModelsAndOpenAPI() async throws {
        try await ServerHarness.withServer { _, client in
            let health = try await client.request("GET", "/health")
            #expect(health.status == 200)
            #expect(try health.json()["status"] as? String == "ok")
            let models = try await client.request("GET", "/v1/models")
            let data = try models.json()["data"] as? [[String: Any]]
            #expect(models.status == 200 && data?.count == 1 && data?.first?["id"] as? String == ServerHarness.modelId)
            let doc = try await client.request("GET", "/openapi.json")
            let json = try doc.json()
            #expect(doc.status == 200 && (json["openapi"] as? String)?.hasPrefix("3.") == true)
            let paths = json["paths"] as? [String: [String: Any]] ?? [:]
            for route in OpenAPIDocument.routes {
                #expect(paths[route.path]?[route.method] != nil, "\(route.method) \(route.path) missing from /openapi.json")
            }
        }
    }

    /// The server's greedy answer equals running the Generator directly on the chat-templated prompt.
    @Test func chatCompletionMatchesGenerator() async throws {
        let model = try LoadedModel.load(ServerHarness.modelId)
        var ids: [Int32] = []
        for s in model.template.renderSegments([.user("Say hi")], addGenerationPrompt: true) {
            ids += try model.tokenizer.encode(s.text, addBos: false, parseSpecialTokens: true)
        }
        let expected = try Generator(model: model.model, tokenizer: model.tokenizer, contextLength: 2048)
            .generate(GenerationRequest(promptIds: ids, maxNewTokens: 8, stopTokenIds: model.stopTokenIds))
        try await ServerHarness.withServer { _, client in
            let r = try await client.request("POST", "/v1/chat/completions", json: ServerHarness.chat(maxTokens: 8))
            #expect(r.status == 200)
            let json = try r.json()
            #expect(json["object"] as? String == "chat.completion")
            let choice = (json["choices"] as? [[String: Any]])?.first
            let message = choice?["message"] as? [String: Any]
            #expect(message?["role"] as? String == "assistant")
            #expect(message?["content"] as? String == expected.text)
            #expect(choice?["finish_reason"] as? String == (expected.finishReason == .length ? "length" : "stop"))
            let usage = json["usage"] as? [String: Int]
            #expect(usage?["prompt_tokens"] == ids.count)
            #expect(usage?["completion_tokens"] == expected.ids.count)
            #expect(usage?["total_tokens"] == ids.count + expected.ids.count)
        }
    }

    /// Streaming sends a role delta, content deltas whose concatenation is the whole answer, a finish chunk,
    /// the usage chunk when asked, then `[DONE]`.
    @Test func chatStreamingMatchesWholeAnswer() async throws {
        try await ServerHarness.withServer { _, client in
            let wholeText = try await client.request("POST", "/v1/chat/completions", json: ServerHarness.chat(maxTokens: 12)).chatContent()
            let r = try await client.request("POST", "/v1/chat/completions",
                                             json: ServerHarness.chat(maxTokens: 12, extra: ["stream": true,
                                                                                             "stream_options": ["include_usage": true]]))
            #expect(r.status == 200 && r.headers["content-type"]?.hasPrefix("text/event-stream") == true)
            let events = r.events
            #expect(events.last == "[DONE]")
            let chunks = try events.dropLast().map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            let first = (chunks.first?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
            #expect(first?["role"] as? String == "assistant")
            let text = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }
                .joined()
            #expect(text == wholeText)
            let finishes = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
            #expect(finishes.count == 1)
            let usage = chunks.last?["usage"] as? [String: Int]
            #expect(usage?["completion_tokens"] != nil && (chunks.last?["choices"] as? [Any])?.isEmpty == true)
        }
    }

    /// A stop sequence taken from the unconstrained answer cuts the answer right before it.
    @Test func stopSequenceCutsTheAnswer() async throws {
        try await ServerHarness.withServer { _, client in
            func content(_ body: [String: Any]) async throws -> (String, String) {
                let json = try await client.request("POST", "/v1/chat/completions", json: body).json()
                let choice = (json["choices"] as? [[String: Any]])?.first
                return ((choice?["message"] as? [String: Any])?["content"] as? String ?? "", choice?["finish_reason"] as? String ?? "")
            }
            let (free, _) = try await content(ServerHarness.chat(maxTokens: 24))
            let chars = Array(free)
            try #require(chars.count >= 6, "the tiny model produced too little text to pick a stop sequence")
            let stop = String(chars[3..<5])
            let expected = String(free[..<free.range(of: stop)!.lowerBound])
            let (cut, reason) = try await content(ServerHarness.chat(maxTokens: 24, extra: ["stop": [stop, "never-seen"]]))
            #expect(cut == expected)
            #expect(reason == "stop")
        }
    }

    /// Sampling with the same seed repeats; the text completion endpoint answers in OpenAI's shape, streamed too.
    @Test func seededSamplingAndTextCompletions() async throws {
        try await ServerHarness.withServer { _, client in
            let body = ServerHarness.chat(maxTokens: 10, extra: ["temperature": 1.0, "top_p": 0.9, "seed": 42])
            let a = try await client.request("POST", "/v1/chat/completions", json: body).chatContent()
            let b = try await client.request("POST", "/v1/chat/completions", json: body).chatContent()
            #expect(a != nil && a == b)

            let c = try await client.request("POST", "/v1/completions",
                                             json: ["model": ServerHarness.modelId, "prompt": "Once upon", "max_tokens": 5, "temperature": 0])
            let cj = try c.json()
            #expect(c.status == 200 && cj["object"] as? String == "text_completion")
            let text = (cj["choices"] as? [[String: Any]])?.first?["text"] as? String
            #expect((cj["usage"] as? [String: Int])?["completion_tokens"] ?? 0 <= 5)
            let s = try await client.request("POST", "/v1/completions",
                                             json: ["model": ServerHarness.modelId, "prompt": ["Once upon"], "max_tokens": 5,
                                                    "temperature": 0, "stream": true])
            #expect(s.events.last == "[DONE]")
            let streamed = s.events.dropLast().compactMap { e -> String? in
                let j = try? JSONSerialization.jsonObject(with: Data(e.utf8)) as? [String: Any]
                return (j?["choices"] as? [[String: Any]])?.first?["text"] as? String
            }.joined()
            #expect(streamed == text)
        }
    }
}
