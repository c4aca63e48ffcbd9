import Hummingbird
import NIOCore

/// The per-request context: who is calling (address, token scopes) on top of Hummingbird's core context.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's address, for the loopback-only rule when no tokens are configured.
    public let remoteAddress: SocketAddress?
    /// The scopes the request's bearer token grants (all of them for a loopback client without token file).
    public var scopes: Set<TokenScope> = []
    /// Largest request body the ingest endpoints collect.
    public var maxUploadSize: Int

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        maxUploadSize = ServerContext.bodyLimit
    }

    /// Set once at start from ``ServerConfiguration/maxBodyBytes``.
    nonisolated(unsafe) static var bodyLimit = 64 << 20
}
