import EdgeModel
import Foundation
import Logging
import Testing
@testable import EdgeServer

/// Graceful shutdown (what SIGTERM triggers): in-flight requests finish, then `run` returns by itself.
@Suite struct GracefulShutdownTests {
    @Test func inFlightRequestFinishesThenServerStops() async throws {
        var logger = Logger(label: "edgeagent.server.test")
        logger.logLevel = .critical
        let server = try EdgeServer(model: try LoadedModel.load(ServerHarness.modelId),
                                    configuration: ServerHarness.configuration(), logger: logger)
        let shutdown = ShutdownTrigger()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let done = CancellationFlag()   // set when `run` returns
        let running = Task {
            defer { done.cancel() }
            try await server.run(handleSignals: false, shutdown: shutdown) { continuation.yield($0) }
        }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let client = HTTPTestClient(port: port)
        // Long enough (a debug build decodes the tiny model at ~100 tokens/s) to be in flight at shutdown.
        async let inFlight = client.request("POST", "/v1/chat/completions", json: ServerHarness.chat(maxTokens: 200))
        let started = await ServerHarness.eventually { await server.engine.admission.load.running == 1 }
        #expect(started)
        shutdown.trigger()
        let answer = try await inFlight
        #expect(answer.status == 200)
        let usage = try answer.json()["usage"] as? [String: Int]
        #expect((usage?["completion_tokens"] ?? 0) > 0)
        // `run` returns on its own (no cancellation) within a bounded time.
        let stopped = await ServerHarness.eventually(30) { done.isCancelled }
        #expect(stopped)
        await #expect(throws: (any Error).self) { _ = try await client.request("GET", "/health", timeout: 5) }
        running.cancel()
    }
}
