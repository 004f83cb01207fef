import EdgeAgent
import EdgeModel
import Foundation
import Logging
@testable import EdgeServer

/// Starts an ``EdgeServer`` on a free loopback port with `preset:tiny` (random weights, byte tokenizer) for
/// the duration of `body`, then stops it.
enum ServerHarness {
    static let modelId = "preset:tiny"

    static func configuration(maxQueue: Int = 16, parallel: Int = 1, apiKey: String? = nil, maxBodyBytes: Int = 1 << 20,
                              maxTokensCap: Int = 256) -> ServerConfiguration {
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("edgeserver-tests-\(UUID().uuidString)").path
        return ServerConfiguration(host: "127.0.0.1", port: 0, apiKey: apiKey, maxQueue: maxQueue, parallel: parallel,
                                   maxBodyBytes: maxBodyBytes, maxTokensCap: maxTokensCap, modelId: modelId, workspace: workspace)
    }

    static func withServer(_ configuration: ServerConfiguration = configuration(), agentModel: (any LanguageModel)? = nil,
                           _ body: (EdgeServer, HTTPTestClient) async throws -> Void) async throws {
        var logger = Logger(label: "edgeagent.server.test")
        logger.logLevel = .critical   // stopping by cancellation makes Hummingbird log expected errors
        var server = try EdgeServer(model: try LoadedModel.load(modelId), configuration: configuration, logger: logger)
        server.agentModelOverride = agentModel
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let running = server
        let task = Task { try await running.run(handleSignals: false) { port in continuation.yield(port) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw EdgeServerError.invalidConfiguration("the test server did not start")
        }
        do {
            try await body(server, HTTPTestClient(port: port, apiKey: configuration.apiKey))
        } catch {
            task.cancel()
            _ = try? await task.value
            throw error
        }
        task.cancel()
        _ = try? await task.value
        if let ws = configuration.workspace { try? FileManager.default.removeItem(atPath: ws) }
    }

    /// A chat request body with greedy decoding.
    static func chat(_ text: String = "Say hi", maxTokens: Int = 8, extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = ["model": modelId, "messages": [["role": "user", "content": text]], "max_tokens": maxTokens,
                                   "temperature": 0]
        for (k, v) in extra { body[k] = v }
        return body
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    static func eventually(_ seconds: Double = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return try await condition()
    }
}
