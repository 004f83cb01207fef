import EdgeAgent
import EdgeInference
import EdgeModel
import EdgePlan
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP server of `edgeagent serve`: OpenAI-compatible chat and text completions, the model list, health,
/// `/v1/plan`, `/v1/agent` and `/openapi.json`, over one loaded model shared by all requests.
///
///     let server = try EdgeServer(model: try LoadedModel.load("preset:tiny"),
///                                 configuration: ServerConfiguration(modelId: "preset:tiny"))
///     try await server.run()          // until SIGTERM/SIGINT; in-flight requests finish first
public struct EdgeServer: Sendable {
    public let configuration: ServerConfiguration
    let engine: ModelEngine
    let runtime: ToolRuntime
    let logger: Logger
    let planConstraint: PlanConstraintFactory
    /// Tests only: answers `/v1/plan` and `/v1/agent` instead of the loaded model.
    var agentModelOverride: (any LanguageModel)?

    /// Validates the configuration, allocates the run slots and opens the agent workspace.
    public init(model: LoadedModel, configuration: ServerConfiguration,
                logger: Logger = Logger(label: "edgeagent.server")) throws(EdgeServerError) {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        engine = ModelEngine(model: model, configuration: configuration, logger: logger)
        let folder = configuration.workspace
            ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("edgeagent-serve-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            runtime = try ToolRuntime.tinyAgent(environment: try ToolEnvironment.open(workspace: folder))
        } catch {
            throw .workspace("\(folder): \(error)")
        }
        planConstraint = PlanConstraintFactory(tools: runtime.schemas, tokenizer: model.tokenizer,
                                               vocabularySize: model.config.vocabSize, stopTokenIds: model.stopTokenIds)
    }

    /// Serves until SIGTERM or SIGINT (with `handleSignals`) or until `shutdown` is triggered: the listener
    /// closes, new requests get 503, and requests in flight finish first. Cancelling the calling task stops at
    /// once. `onListening` receives the bound port (useful with port 0).
    public func run(handleSignals: Bool = true, shutdown: ShutdownTrigger = ShutdownTrigger(),
                    onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "edgeagent"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let admission = engine.admission
        shutdown.attach(group) { await admission.close() }
        if handleSignals { shutdown.installSignalHandlers() }
        try await group.run()
    }

    /// Counters of finished, cancelled and failed generations.
    var stats: EngineStats { engine.stats }

    func makeRouter() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: ErrorMiddleware(bodyLimit: configuration.maxBodyBytes))
        if let key = configuration.apiKey { router.add(middleware: BearerAuthMiddleware(key: key)) }
        let completions = CompletionRoutes(engine: engine, configuration: configuration)
        let agent = AgentRoutes(engine: engine, configuration: configuration, runtime: runtime, planConstraint: planConstraint,
                                modelOverride: agentModelOverride)
        let engine = self.engine, configuration = self.configuration
        let started = Int(Date().timeIntervalSince1970)

        router.get("/health") { _, _ in
            let load = await engine.admission.load
            let s = engine.stats
            return try JSONResponse.make(Health(status: "ok", model: configuration.modelId, running: load.running, queued: load.waiting,
                                                maxQueue: configuration.maxQueue, parallel: configuration.parallel,
                                                completed: s.completed, cancelled: s.cancelled, failed: s.failed))
        }
        router.get("/v1/models") { _, _ in
            try JSONResponse.make(ModelList(data: [.init(id: configuration.modelId, created: started)]))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json(modelId: configuration.modelId))))
        }
        router.post("/v1/chat/completions") { request, context in try await completions.chat(request, context: context) }
        router.post("/v1/completions") { request, context in try await completions.completion(request, context: context) }
        router.post("/v1/plan") { request, context in try await agent.plan(request, context: context) }
        router.post("/v1/agent") { request, context in try await agent.agent(request, context: context) }
        return router
    }

    /// `GET /health`.
    struct Health: Encodable, Sendable {
        var status: String
        var model: String
        var running: Int
        var queued: Int
        var maxQueue: Int
        var parallel: Int
        var completed: Int
        var cancelled: Int
        var failed: Int
        enum CodingKeys: String, CodingKey {
            case status, model, running, queued, parallel, completed, cancelled, failed, maxQueue = "max_queue"
        }
    }
}
