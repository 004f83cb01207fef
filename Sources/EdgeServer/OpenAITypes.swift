import EdgeModel
import Foundation

// Wire types of the OpenAI-compatible endpoints (https://platform.openai.com/docs/api-reference/chat).
// Requests decode strictly by type (a string where a number belongs is a 400 naming the field) and ignore
// unknown keys, as OpenAI clients send extras (`user`, `presence_penalty`, `logprobs`, …).

/// `stop`: one string or up to four.
struct StopSequences: Decodable, Sendable {
    var values: [String]

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { values = [] } else if let one = try? c.decode(String.self) { values = [one] } else {
            values = try c.decode([String].self)
        }
    }
}

/// A chat message; `content` is a string, an array of `{"type": "text", "text": …}` parts, or null.
struct ChatMessageIn: Decodable, Sendable {
    var role: String
    var content: String

    enum CodingKeys: String, CodingKey { case role, content }
    struct Part: Decodable { var type: String; var text: String? }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        role = try c.decode(String.self, forKey: .role)
        if try c.decodeNil(forKey: .content) {
            content = ""
        } else if let text = try? c.decode(String.self, forKey: .content) {
            content = text
        } else {
            let parts = try c.decode([Part].self, forKey: .content)
            guard parts.allSatisfy({ $0.type == "text" && $0.text != nil }) else {
                throw DecodingError.dataCorruptedError(forKey: .content, in: c,
                                                       debugDescription: "only text content parts are supported")
            }
            content = parts.compactMap(\.text).joined()
        }
    }
}

/// `stream_options`.
struct StreamOptions: Decodable, Sendable {
    var includeUsage: Bool?
    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// `POST /v1/chat/completions` body.
struct ChatCompletionRequest: Decodable, Sendable {
    var model: String
    var messages: [ChatMessageIn]
    var temperature: Double?
    var topP: Double?
    var maxTokens: Int?
    var maxCompletionTokens: Int?
    var stop: StopSequences?
    var seed: Int64?
    var stream: Bool?
    var streamOptions: StreamOptions?
    var n: Int?

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, stop, seed, stream, n
        case topP = "top_p", maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens"
        case streamOptions = "stream_options"
    }
}

/// `prompt` of `/v1/completions`: a string or an array of one string.
struct PromptInput: Decodable, Sendable {
    var text: String

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { text = s; return }
        let list = try c.decode([String].self)
        guard list.count == 1 else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "exactly one prompt per request is supported")
        }
        text = list[0]
    }
}

/// `POST /v1/completions` body.
struct CompletionRequest: Decodable, Sendable {
    var model: String
    var prompt: PromptInput
    var temperature: Double?
    var topP: Double?
    var maxTokens: Int?
    var stop: StopSequences?
    var seed: Int64?
    var stream: Bool?
    var streamOptions: StreamOptions?
    var n: Int?

    enum CodingKeys: String, CodingKey {
        case model, prompt, temperature, stop, seed, stream, n
        case topP = "top_p", maxTokens = "max_tokens", streamOptions = "stream_options"
    }
}

/// `usage`.
struct Usage: Codable, Sendable, Equatable {
    var promptTokens: Int
    var completionTokens: Int
    var totalTokens: Int

    init(prompt: Int, completion: Int) {
        (promptTokens, completionTokens, totalTokens) = (prompt, completion, prompt + completion)
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }
}

/// An assistant message or a streamed delta (`role` only in the first delta).
struct MessageOut: Codable, Sendable {
    var role: String?
    var content: String?
}

/// `chat.completion` and `chat.completion.chunk`.
struct ChatCompletionResponse: Encodable, Sendable {
    struct Choice: Encodable, Sendable {
        var index = 0
        var message: MessageOut?
        var delta: MessageOut?
        var finishReason: String?

        enum CodingKeys: String, CodingKey { case index, message, delta, finishReason = "finish_reason", logprobs }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encodeIfPresent(message, forKey: .message)
            try c.encodeIfPresent(delta, forKey: .delta)
            try c.encode(finishReason, forKey: .finishReason)   // null while streaming, as OpenAI sends it
            try c.encodeNil(forKey: .logprobs)
        }
    }

    var id: String
    var object: String
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage?

    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint" }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(object, forKey: .object)
        try c.encode(created, forKey: .created)
        try c.encode(model, forKey: .model)
        try c.encode(choices, forKey: .choices)
        try c.encodeIfPresent(usage, forKey: .usage)
        try c.encode("edgeagent", forKey: .systemFingerprint)
    }
}

/// `text_completion` (whole or streamed).
struct CompletionResponse: Encodable, Sendable {
    struct Choice: Encodable, Sendable {
        var index = 0
        var text: String
        var finishReason: String?

        enum CodingKeys: String, CodingKey { case index, text, finishReason = "finish_reason", logprobs }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(text, forKey: .text)
            try c.encode(finishReason, forKey: .finishReason)
            try c.encodeNil(forKey: .logprobs)
        }
    }

    var id: String
    var object = "text_completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage?
}

/// `GET /v1/models`.
struct ModelList: Encodable, Sendable {
    struct Model: Encodable, Sendable {
        var id: String
        var object = "model"
        var created: Int
        var ownedBy = "edgeagent"
        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
    }

    var object = "list"
    var data: [Model]
}
