import EdgeInference
import EdgeModel
import Foundation
import Hummingbird

/// `POST /v1/chat/completions` and `POST /v1/completions`: validate, wait for a run slot, generate, answer
/// as one JSON object or as server-sent events (`data: {chunk}\n\n` … `data: [DONE]\n\n`).
struct CompletionRoutes: Sendable {
    let engine: ModelEngine
    let configuration: ServerConfiguration

    /// What differs between the two endpoints: how chunks and the final object look.
    private struct Shape: Sendable {
        var id: String
        var created: Int
        var model: String
        var chat: Bool

        func chunk(_ text: String?, role: String? = nil, finish: String? = nil, usage: Usage? = nil, empty: Bool = false) -> any Encodable {
            if chat {
                let choices = empty ? [] : [ChatCompletionResponse.Choice(delta: MessageOut(role: role, content: text), finishReason: finish)]
                return ChatCompletionResponse(id: id, object: "chat.completion.chunk", created: created, model: model, choices: choices,
                                              usage: usage)
            }
            let choices = empty ? [] : [CompletionResponse.Choice(text: text ?? "", finishReason: finish)]
            return CompletionResponse(id: id, created: created, model: model, choices: choices, usage: usage)
        }

        func whole(_ text: String, finish: String, usage: Usage) -> any Encodable {
            if chat {
                return ChatCompletionResponse(id: id, object: "chat.completion", created: created, model: model,
                                              choices: [.init(message: MessageOut(role: "assistant", content: text), finishReason: finish)],
                                              usage: usage)
            }
            return CompletionResponse(id: id, created: created, model: model, choices: [.init(text: text, finishReason: finish)], usage: usage)
        }
    }

    /// A validated request of either endpoint.
    private struct Prepared: Sendable {
        var job: GenerationJob
        var stream: Bool
        var includeUsage: Bool
        var shape: Shape
    }

    func chat(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await RequestValidation.decode(ChatCompletionRequest.self, from: request, limit: configuration.maxBodyBytes)
        try RequestValidation.checkModel(body.model, served: configuration.modelId)
        try RequestValidation.checkN(body.n)
        guard !body.messages.isEmpty else {
            throw APIError.invalid("'messages' must contain at least one message.", param: "messages", code: "invalid_value")
        }
        let roles: Set = ["system", "developer", "user", "assistant", "tool"]
        var messages: [ChatMessage] = []
        for (i, m) in body.messages.enumerated() {
            guard roles.contains(m.role) else {
                throw APIError.invalid("Invalid role '\(m.role)': expected system, developer, user, assistant or tool.",
                                       param: "messages[\(i)].role", code: "invalid_value")
            }
            messages.append(ChatMessage(role: m.role == "developer" ? "system" : m.role, content: m.content))
        }
        let ids = try engine.encodeChat(messages)
        try RequestValidation.checkContext(promptTokens: ids.count, contextLength: engine.contextLength, param: "messages")
        let job = GenerationJob(
            promptIds: ids,
            maxTokens: try RequestValidation.maxTokens(body.maxCompletionTokens ?? body.maxTokens, default: ServerConfiguration.defaultChatMaxTokens,
                                                       cap: configuration.maxTokensCap,
                                                       param: body.maxCompletionTokens == nil ? "max_tokens" : "max_completion_tokens"),
            sampling: try RequestValidation.sampling(temperature: body.temperature, topP: body.topP, seed: body.seed),
            stopSequences: try RequestValidation.stops(body.stop), constraint: nil)
        let shape = Shape(id: "chatcmpl-\(Self.randomId())", created: Self.now(), model: configuration.modelId, chat: true)
        return try await respond(Prepared(job: job, stream: body.stream ?? false, includeUsage: body.streamOptions?.includeUsage ?? false,
                                          shape: shape), context: context)
    }

    func completion(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await RequestValidation.decode(CompletionRequest.self, from: request, limit: configuration.maxBodyBytes)
        try RequestValidation.checkModel(body.model, served: configuration.modelId)
        try RequestValidation.checkN(body.n)
        let ids = try engine.encodeText(body.prompt.text)
        guard !ids.isEmpty else { throw APIError.invalid("'prompt' must not be empty.", param: "prompt", code: "invalid_value") }
        try RequestValidation.checkContext(promptTokens: ids.count, contextLength: engine.contextLength, param: "prompt")
        let job = GenerationJob(
            promptIds: ids,
            maxTokens: try RequestValidation.maxTokens(body.maxTokens, default: ServerConfiguration.defaultCompletionMaxTokens,
                                                       cap: configuration.maxTokensCap),
            sampling: try RequestValidation.sampling(temperature: body.temperature, topP: body.topP, seed: body.seed),
            stopSequences: try RequestValidation.stops(body.stop), constraint: nil)
        let shape = Shape(id: "cmpl-\(Self.randomId())", created: Self.now(), model: configuration.modelId, chat: false)
        return try await respond(Prepared(job: job, stream: body.stream ?? false, includeUsage: body.streamOptions?.includeUsage ?? false,
                                          shape: shape), context: context)
    }

    /// Admission (429 before any byte is sent), then a whole or streamed answer.
    private func respond(_ p: Prepared, context: ServerContext) async throws -> Response {
        let lease = try await engine.admit()
        let cancel = CancellationFlag()
        context.onDisconnect { cancel.cancel() }
        guard p.stream else {
            let result: JobResult
            do {
                result = try await engine.generate(p.job, on: lease, cancel: cancel)
                await lease.release()
            } catch {
                await lease.release()
                throw error
            }
            let g = result.generation
            return try JSONResponse.make(p.shape.whole(g.text, finish: Self.finishReason(g.finishReason),
                                                       usage: Usage(prompt: g.promptTokens, completion: g.ids.count)))
        }
        let engine = self.engine
        let body = ResponseBody { writer in
            let (pieces, continuation) = AsyncStream<String>.makeStream()
            let generation = Task { () async throws -> JobResult in
                defer { continuation.finish() }
                do {
                    let r = try await engine.generate(p.job, on: lease, cancel: cancel) { continuation.yield($0) }
                    await lease.release()
                    return r
                } catch {
                    await lease.release()
                    throw error
                }
            }
            do {
                try await writer.write(SSE.event(p.shape.chunk(p.shape.chat ? "" : nil, role: "assistant")))
                for await piece in pieces where !piece.isEmpty {
                    try await writer.write(SSE.event(p.shape.chunk(piece)))
                }
                let result: JobResult
                do { result = try await generation.value } catch {
                    try await writer.write(SSE.event(APIError.from(error, bodyLimit: 0).body))
                    try await writer.write(SSE.done)
                    try await writer.finish(nil)
                    return
                }
                let g = result.generation
                try await writer.write(SSE.event(p.shape.chunk(nil, finish: Self.finishReason(g.finishReason))))
                if p.includeUsage {
                    try await writer.write(SSE.event(p.shape.chunk(nil, usage: Usage(prompt: g.promptTokens, completion: g.ids.count),
                                                                   empty: true)))
                }
                try await writer.write(SSE.done)
                try await writer.finish(nil)
            } catch {
                // The client went away (a write failed): stop generating; the task releases the slot.
                cancel.cancel()
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// OpenAI's finish reasons: `stop` (stop sequence, end of turn, complete constrained plan) or `length`.
    static func finishReason(_ reason: GenerationResult.FinishReason) -> String {
        switch reason {
        case .stop, .constraint: return "stop"
        case .length: return "length"
        }
    }

    static func randomId() -> String { UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24).description }

    static func now() -> Int { Int(Date().timeIntervalSince1970) }
}

/// Server-sent events framing.
enum SSE {
    /// `data: <json>\n\n`.
    static func event(_ value: any Encodable) throws -> ByteBuffer {
        var data = Data("data: ".utf8)
        data.append(try JSONCoding.encoder.encode(value))
        data.append(contentsOf: Array("\n\n".utf8))
        return ByteBuffer(bytes: data)
    }

    /// The end-of-stream marker OpenAI clients wait for.
    static let done = ByteBuffer(string: "data: [DONE]\n\n")
}

/// JSON responses.
enum JSONResponse {
    static func make(_ value: any Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONCoding.encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
