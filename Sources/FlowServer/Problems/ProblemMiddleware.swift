import FlowLog
import FlowQuery
import FlowStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The one place where errors become responses: every error leaves as a ``Problem``, never as a stack trace.
///
/// - a ``Problem`` passes through;
/// - Hummingbird's own `HTTPError` (unknown path, wrong method, body too large) keeps its status, with a code;
/// - a query error is 400 with its offset; any other ``UserError`` is 400, or 503 when the store is busy or gone;
/// - anything else is 500 `server.internal`, logged.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw Self.problem(for: error, path: request.uri.path, logger: context.logger)
        }
    }

    static func problem(for error: any Error, path: String, logger: Logger) -> Problem {
        switch error {
        case let p as Problem:
            return p
        case is NIOTooManyBytesError:
            return Problem(.contentTooLarge, code: "http.body_too_large", "the request body is larger than \(ServerContext.bodyLimit) bytes (--max-body-bytes)")
        case let e as QuerySyntaxError:
            return Problem(.badRequest, code: e.errorCode, e.message + (e.hint.map { " (hint: \($0))" } ?? ""), offset: e.offset)
        case let e as any UserError:
            let unavailable = e.errorCode.hasPrefix("store.busy") || e.errorCode.hasPrefix("store.cannot_open")
            return Problem(unavailable ? .serviceUnavailable : .badRequest, code: e.errorCode, e.summary)
        case let e as HTTPError:
            let code: String
            switch e.status {
            case .notFound where APIServer.routes.keys.contains(path):
                return Problem(.methodNotAllowed, code: "http.method_not_allowed",
                               "\(path) takes \(APIServer.routes[path]!.rawValue) only", headers: [.allow: APIServer.routes[path]!.rawValue])
            case .notFound: code = "http.not_found"
            case .methodNotAllowed: code = "http.method_not_allowed"
            case .contentTooLarge: code = "http.body_too_large"
            default: code = "http.\(e.status.code)"
            }
            return Problem(e.status, code: code, e.body ?? e.status.reasonPhrase)
        default:
            logger.error("request failed", metadata: ["error": "\(error)"])
            return Problem(.internalServerError, code: "server.internal", "internal error: \(error)")
        }
    }
}
