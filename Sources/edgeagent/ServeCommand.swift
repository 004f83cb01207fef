import ArgumentParser
import EdgePlan
import EdgeServer
import Foundation
import Logging

/// `edgeagent serve`: the OpenAI-compatible HTTP server with `/v1/plan` and `/v1/agent` (EdgeServer).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model over HTTP: OpenAI chat/completions, /v1/plan, /v1/agent, /openapi.json.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var quantize: QuantizeOptions
    @OptionGroup var threads: ThreadOptions
    @Option(help: "Interface to bind (loopback by default; 0.0.0.0 exposes the server to the network).")
    var host = ServerConfiguration.defaultHost
    @Option(help: "TCP port (0 = any free port).") var port = ServerConfiguration.defaultPort
    @Option(help: "Require `Authorization: Bearer KEY` on every request.") var apiKey: String?
    @Option(help: "Requests that may wait while the model is busy; more get 429 with Retry-After.")
    var maxQueue = ServerConfiguration.defaultMaxQueue
    @Option(help: "Generations in flight at once (each holds its own KV cache).") var parallel = ServerConfiguration.defaultParallel
    @Option(help: "Context length per generation (prompt + output).") var context = ServerConfiguration.defaultContextLength
    @Option(help: "Largest max_tokens a request may ask for.") var maxTokensCap = ServerConfiguration.defaultMaxTokensCap
    @Option(help: "Largest request body in bytes (larger bodies get 413).") var maxBodyBytes = ServerConfiguration.defaultMaxBodyBytes
    @Option(help: "Workspace folder of the /v1/agent tools (default: a folder under the temp dir).") var workspace: String?
    @Option(help: "Planner prompt of /v1/plan and /v1/agent: compact, full or minimal (default: the style the model was fine-tuned with, else compact).")
    var promptStyle: String?

    func run() async throws {
        try threads.apply()
        let config = ServerConfiguration(host: host, port: port, apiKey: apiKey, maxQueue: maxQueue, parallel: parallel,
                                         maxBodyBytes: maxBodyBytes, maxTokensCap: maxTokensCap, contextLength: context,
                                         modelId: ServerConfiguration.modelId(forSpec: modelOptions.model), workspace: workspace,
                                         promptStyle: try PlanningPrompt.style(option: promptStyle, model: modelOptions.model))
        do { try config.validate() } catch { throw ValidationError(error.description) }
        let model = try modelOptions.load(quantize: quantize)
        var logger = Logger(label: "edgeagent.server")
        logger.logLevel = .info
        let server = try EdgeServer(model: model, configuration: config, logger: logger)
        let host = self.host
        try await server.run { port in
            // One line scripts can wait for (the port is the real one when --port 0).
            FileHandle.standardError.write(Data("edgeagent serve: listening on http://\(host):\(port) (model \(config.modelId))\n".utf8))
        }
    }
}
