import EdgePlan
import Foundation

/// How `edgeagent serve` runs. Every default is written once, here (STYLE §11).
public struct ServerConfiguration: Sendable, Equatable {
    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8080
    public static let defaultMaxQueue = 16
    public static let defaultParallel = 1
    /// 1 MiB: far more than any chat request to a small local model; larger bodies get 413.
    public static let defaultMaxBodyBytes = 1 << 20
    /// Upper bound on `max_tokens` (larger values get 400).
    public static let defaultMaxTokensCap = 2048
    /// Tokens generated when a chat request gives no `max_tokens` (OpenAI's completions default is 16;
    /// chat has none, so we pick a bound that keeps a CPU server responsive).
    public static let defaultChatMaxTokens = 512
    /// OpenAI's `max_tokens` default for `/v1/completions`.
    public static let defaultCompletionMaxTokens = 16
    public static let defaultContextLength = 2048

    /// Interface to bind; loopback by default so nothing is exposed unless asked.
    public var host: String
    /// TCP port; 0 picks a free one (tests).
    public var port: Int
    /// When set, every request must send `Authorization: Bearer <apiKey>`.
    public var apiKey: String?
    /// Requests that may wait for the model while all run slots are busy; more get 429.
    public var maxQueue: Int
    /// Run slots: generations in flight at once, each with its own KV cache over the shared weights.
    public var parallel: Int
    public var maxBodyBytes: Int
    public var maxTokensCap: Int
    /// Tokens per run slot (prompt + output), capped by the model's `max_position_embeddings`.
    public var contextLength: Int
    /// The model id clients send and `/v1/models` lists.
    public var modelId: String
    /// Folder of the `/v1/agent` tools (contacts, notes, files); nil = a folder under the system temp dir.
    public var workspace: String?
    /// The planner prompt of `/v1/plan` and `/v1/agent` (the style the model was fine-tuned with).
    public var promptStyle: PlanningPrompt.Style

    public init(host: String = Self.defaultHost, port: Int = Self.defaultPort, apiKey: String? = nil,
                maxQueue: Int = Self.defaultMaxQueue, parallel: Int = Self.defaultParallel,
                maxBodyBytes: Int = Self.defaultMaxBodyBytes, maxTokensCap: Int = Self.defaultMaxTokensCap,
                contextLength: Int = Self.defaultContextLength, modelId: String, workspace: String? = nil,
                promptStyle: PlanningPrompt.Style = .compact) {
        (self.host, self.port, self.apiKey, self.maxQueue, self.parallel) = (host, port, apiKey, maxQueue, parallel)
        (self.maxBodyBytes, self.maxTokensCap, self.contextLength) = (maxBodyBytes, maxTokensCap, contextLength)
        (self.modelId, self.workspace, self.promptStyle) = (modelId, workspace, promptStyle)
    }

    /// The id for a `--model` value: the file or folder name (`SmolLM2-135M-Instruct.Q4_1.gguf`), or the
    /// preset spec as given (`preset:tiny`).
    public static func modelId(forSpec spec: String) -> String {
        if spec.hasPrefix("preset:") { return spec }
        let name = URL(fileURLWithPath: spec).standardizedFileURL.lastPathComponent
        return name.isEmpty ? spec : name
    }

    /// Checks ranges; the message names the flag.
    public func validate() throws(EdgeServerError) {
        guard (0...65535).contains(port) else { throw .invalidConfiguration("--port must be in 0…65535, got \(port)") }
        guard maxQueue >= 0 else { throw .invalidConfiguration("--max-queue must be ≥ 0, got \(maxQueue)") }
        guard (1...64).contains(parallel) else { throw .invalidConfiguration("--parallel must be in 1…64, got \(parallel)") }
        guard maxBodyBytes >= 1024 else { throw .invalidConfiguration("the body limit must be ≥ 1024 bytes, got \(maxBodyBytes)") }
        guard maxTokensCap >= 1 else { throw .invalidConfiguration("the max_tokens cap must be ≥ 1, got \(maxTokensCap)") }
        guard contextLength >= 16 else { throw .invalidConfiguration("--context must be ≥ 16, got \(contextLength)") }
        if let apiKey, apiKey.isEmpty { throw .invalidConfiguration("--api-key must not be empty") }
        guard !host.isEmpty else { throw .invalidConfiguration("--host must not be empty") }
    }
}
