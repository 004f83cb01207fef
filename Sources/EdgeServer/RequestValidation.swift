import EdgeInference
import Foundation
import Hummingbird

/// Decoding and checking request bodies: every problem becomes a 400 ``APIError`` naming the field.
enum RequestValidation {
    /// Reads the body (413 past `limit`) and decodes `T`; malformed JSON and wrong types are 400s.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: limit) } catch { throw APIError.from(error, bodyLimit: limit) }
        guard buffer.readableBytes > 0 else { throw APIError.invalid("The request body is empty; send a JSON object.") }
        do {
            return try JSONCoding.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw apiError(error)
        } catch {
            throw APIError.invalid("We could not parse the JSON body of your request: \(error)")
        }
    }

    /// A 400 for a decoding failure, with the JSON path of the field (`messages[0].role`) as `param`.
    static func apiError(_ error: DecodingError) -> APIError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce(into: "") { out, key in
                if let i = key.intValue { out += "[\(i)]" } else { out += out.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            let p = path(ctx.codingPath + [key])
            return .invalid("Missing required parameter: '\(p)'.", param: p, code: "missing_required_parameter")
        case .typeMismatch(let type, let ctx):
            let p = path(ctx.codingPath)
            return .invalid("Invalid type for '\(p)': expected \(typeName(type)).", param: p, code: "invalid_type")
        case .valueNotFound(let type, let ctx):
            let p = path(ctx.codingPath)
            return .invalid("Invalid value for '\(p)': expected \(typeName(type)), got null.", param: p, code: "invalid_type")
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty {
                return .invalid("We could not parse the JSON body of your request: it is not valid JSON.", code: "invalid_json")
            }
            let p = path(ctx.codingPath)
            return .invalid("Invalid value for '\(p)': \(ctx.debugDescription)", param: p, code: "invalid_value")
        @unknown default:
            return .invalid("Invalid request body.")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is [Any].Type: return "an array"
        default: return type == [String: Any].self ? "an object" : "\(type)"
        }
    }

    /// The model field must name the served model.
    static func checkModel(_ model: String, served: String) throws(APIError) {
        guard model == served else {
            throw APIError.invalid("The model '\(model)' does not exist on this server; it serves '\(served)' (see GET /v1/models).",
                                   param: "model", code: "model_not_found")
        }
    }

    /// `max_tokens` (or the default) checked against the cap.
    static func maxTokens(_ value: Int?, default fallback: Int, cap: Int, param: String = "max_tokens") throws(APIError) -> Int {
        guard let value else { return min(fallback, cap) }
        guard value >= 1 else { throw .invalid("'\(param)' must be at least 1, got \(value).", param: param, code: "invalid_value") }
        guard value <= cap else {
            throw .invalid("'\(param)' is \(value) but this server allows at most \(cap).", param: param, code: "invalid_value")
        }
        return value
    }

    /// OpenAI sampling fields → ``SamplingParameters``: temperature 0 is greedy; top-k is off (OpenAI has none);
    /// without a seed each request draws its own.
    static func sampling(temperature: Double?, topP: Double?, seed: Int64?) throws(APIError) -> SamplingParameters {
        let t = temperature ?? 1
        guard t.isFinite, (0...2).contains(t) else {
            throw .invalid("'temperature' must be between 0 and 2, got \(t).", param: "temperature", code: "invalid_value")
        }
        let p = topP ?? 1
        guard p.isFinite, p > 0, p <= 1 else {
            throw .invalid("'top_p' must be in (0, 1], got \(p).", param: "top_p", code: "invalid_value")
        }
        if t == 0 { return .greedy }
        return SamplingParameters(temperature: Float(t), topK: 0, topP: Float(p), repetitionPenalty: 1,
                                  seed: seed.map { UInt64(bitPattern: $0) } ?? UInt64.random(in: 0...UInt64.max))
    }

    /// `stop`: at most four non-empty strings.
    static func stops(_ stop: StopSequences?) throws(APIError) -> [String] {
        let values = (stop?.values ?? []).filter { !$0.isEmpty }
        guard values.count <= 4 else { throw .invalid("'stop' takes at most 4 sequences.", param: "stop", code: "invalid_value") }
        return values
    }

    /// `n`: one choice per request.
    static func checkN(_ n: Int?) throws(APIError) {
        if let n, n != 1 { throw .invalid("'n' must be 1 on this server, got \(n).", param: "n", code: "invalid_value") }
    }

    /// The prompt must leave room for at least one generated token.
    static func checkContext(promptTokens: Int, contextLength: Int, param: String) throws(APIError) {
        guard promptTokens < contextLength else {
            throw .invalid("The prompt has \(promptTokens) tokens; the context window is \(contextLength).", param: param,
                           code: "context_length_exceeded")
        }
    }
}
