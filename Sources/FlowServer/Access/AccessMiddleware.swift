import HTTPTypes
import Hummingbird
import NIOCore

/// Who may call what. `/healthz` and `/readyz` are open (the kubelet probes them), so is the web page's HTML, script
/// and style; everything else needs a bearer
/// token with the route's scope, or, without `--token-file`, a loopback client.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let tokens: TokenTable?
    /// Mutual TLS: every connection presented a certificate the client CA signed (the handshake refuses others).
    let verifiedClients: Bool

    /// The probes, and the page's assets (they hold no data; the page sends the user's token with its API calls).
    static let open: Set<String> = ["/healthz", "/readyz", "/", "/ui/app.js", "/ui/app.css"]
    static let ingestPaths: Set<String> = ["/api/v1/flows/bulk", "/api/v1/batches", "/api/v1/checkpoints"]

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if Self.open.contains(path) { return try await next(request, context) }
        var context = context
        let needed: TokenScope = Self.ingestPaths.contains(path) ? .ingest : .read
        // A client whose certificate the handshake verified (Goldmane's emitter with CLIENT_CERT_PATH) may ingest.
        if verifiedClients && needed == .ingest && request.headers[.authorization] == nil {
            context.scopes = [.ingest]
            return try await next(request, context)
        }
        guard let tokens else {
            guard verifiedClients || Self.isLoopback(context.remoteAddress) else {
                throw Problem(.forbidden, code: "auth.loopback_only", "without --token-file only clients on this machine may call flowq serve")
            }
            context.scopes = Set(TokenScope.allCases)
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw Problem(.unauthorized, code: "auth.missing_token", "send Authorization: Bearer TOKEN",
                          headers: [.wwwAuthenticate: "Bearer realm=\"flowq\""])
        }
        context.scopes = tokens.scopes(of: header.dropFirst("Bearer ".count))
        guard !context.scopes.isEmpty else {
            throw Problem(.unauthorized, code: "auth.bad_token", "the token is not in the token file",
                          headers: [.wwwAuthenticate: "Bearer realm=\"flowq\", error=\"invalid_token\""])
        }
        guard context.scopes.contains(needed) else {
            throw Problem(.forbidden, code: "auth.wrong_scope", "this token lacks the \(needed.rawValue) scope that \(path) needs")
        }
        return try await next(request, context)
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
