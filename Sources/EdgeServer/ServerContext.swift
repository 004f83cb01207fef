import Foundation
import Hummingbird

/// The request context: Hummingbird's core storage plus a hook on the connection closing, which is how a
/// handler learns that its client went away (Hummingbird does not cancel handler tasks on disconnect).
struct ServerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Registers `action` to run once the request's connection closes (immediately if it already has).
    let onDisconnect: @Sendable (@escaping @Sendable () -> Void) -> Void

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        let channel = source.channel
        onDisconnect = { action in channel.closeFuture.whenComplete { _ in action() } }
    }
}

/// Turns every thrown error into an OpenAI error object with the right status (outermost middleware).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let bodyLimit: Int

    func handle(_ request: Request, context: ServerContext,
                next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let api = APIError.from(error, bodyLimit: bodyLimit)
            if api.status.code >= 500 { context.logger.error("\(request.method) \(request.uri.path): \(api.message)") }
            return api.response()
        }
    }
}

/// `Authorization: Bearer <key>` on every request when the server has an API key (401 otherwise).
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let key: String

    func handle(_ request: Request, context: ServerContext,
                next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              Self.constantTimeEqual(Array(header.dropFirst("Bearer ".count).utf8), Array(key.utf8)) else {
            throw APIError.unauthorized
        }
        return try await next(request, context)
    }

    /// Compares without an early exit, so response time does not reveal how much of a guess was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}
