import Foundation
import Hummingbird

/// Errors of the server layer. Every request failure is an ``APIError`` (an HTTP status plus the
/// OpenAI error object); ``EdgeServerError`` covers start-up problems, before any request.
public enum EdgeServerError: Error, CustomStringConvertible, Sendable {
    /// A server option is out of range (`--port`, `--max-queue`, `--parallel`, …).
    case invalidConfiguration(String)
    /// The `--workspace` folder of `/v1/agent` could not be opened.
    case workspace(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return "invalid server configuration: \(message)"
        case .workspace(let message): return "cannot open the agent workspace: \(message) (pass --workspace DIR)"
        }
    }
}

/// An HTTP error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`, sent with ``status``.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    /// OpenAI's error class: `invalid_request_error`, `authentication_error`, `rate_limit_error`, `server_error`.
    public var type: String
    /// The request field at fault (`messages[0].content`), if any.
    public var param: String?
    /// A machine-readable code (`invalid_api_key`, `model_not_found`, `request_too_large`, …).
    public var code: String?
    /// Seconds a client should wait before retrying (sent as `Retry-After` with 429/503).
    public var retryAfter: Int?

    public init(status: HTTPResponse.Status, message: String, type: String = "invalid_request_error",
                param: String? = nil, code: String? = nil, retryAfter: Int? = nil) {
        (self.status, self.message, self.type, self.param, self.code, self.retryAfter) = (status, message, type, param, code, retryAfter)
    }

    public var description: String { "\(status.code) \(type): \(message)" }

    /// 400 for a bad field.
    static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, param: param, code: code)
    }

    /// 401: missing or wrong `Authorization: Bearer` key.
    static let unauthorized = APIError(status: .unauthorized,
                                       message: "Incorrect or missing API key: send the header `Authorization: Bearer <key>` with the key given to --api-key.",
                                       type: "authentication_error", code: "invalid_api_key")

    /// 429: the request queue is full.
    static func queueFull(limit: Int, retryAfter: Int) -> APIError {
        APIError(status: .tooManyRequests,
                 message: "The server is busy: \(limit) request(s) are already waiting for the model. Retry after \(retryAfter) s.",
                 type: "rate_limit_error", code: "queue_full", retryAfter: retryAfter)
    }

    /// 503: the server is shutting down and takes no new work.
    static let shuttingDown = APIError(status: .serviceUnavailable, message: "The server is shutting down.",
                                       type: "server_error", code: "shutting_down", retryAfter: 1)

    /// 413: the body exceeds the limit.
    static func tooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, message: "The request body is larger than the server's limit of \(limit) bytes.",
                 code: "request_too_large")
    }

    /// 500 for an unexpected failure (the message is the error's description, never a stack trace).
    static func server(_ error: any Error) -> APIError {
        APIError(status: .internalServerError, message: "Internal error: \(error)", type: "server_error")
    }

    /// The JSON body.
    var body: ErrorBody { ErrorBody(error: .init(message: message, type: type, param: param, code: code)) }

    /// `{"error": {...}}`; `param` and `code` are always present (null when unknown), as OpenAI sends them.
    struct ErrorBody: Codable, Sendable {
        struct Detail: Codable, Sendable {
            var message: String
            var type: String
            var param: String?
            var code: String?

            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(message, forKey: .message)
                try c.encode(type, forKey: .type)
                try c.encode(param, forKey: .param)
                try c.encode(code, forKey: .code)
            }
        }
        var error: Detail
    }

    /// The HTTP response for this error.
    func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let data = (try? JSONCoding.encoder.encode(body)) ?? Data(#"{"error":{"message":"error","type":"server_error","param":null,"code":null}}"#.utf8)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Maps any error thrown while handling a request onto an ``APIError``: our own errors as they are,
    /// Hummingbird's HTTP errors (404 unknown route, 413 body too large, …) with their status, others as 500.
    static func from(_ error: any Error, bodyLimit: Int) -> APIError {
        if let api = error as? APIError { return api }
        if let http = error as? any HTTPResponseError {
            switch http.status {
            case .contentTooLarge: return .tooLarge(limit: bodyLimit)
            case .notFound: return APIError(status: .notFound, message: "Unknown endpoint. See GET /openapi.json for the routes.",
                                            code: "unknown_url")
            case .methodNotAllowed: return APIError(status: .methodNotAllowed, message: "Method not allowed on this endpoint.")
            default:
                let type = http.status.code >= 500 ? "server_error" : "invalid_request_error"
                return APIError(status: http.status, message: http.status.reasonPhrase, type: type)
            }
        }
        return .server(error)
    }
}

/// JSON coders shared by the server (snake_case keys are spelled out in each type's `CodingKeys`).
enum JSONCoding {
    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static var decoder: JSONDecoder { JSONDecoder() }
}
