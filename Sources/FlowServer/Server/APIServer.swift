import FlowStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// Assembles `flowq serve`: the routes, access control, problem responses and the HTTP/1.1 server.
public enum APIServer {
    /// Every path of the API and the method it takes (a request with another method gets 405).
    static let routes: [String: HTTPRequest.Method] = [
        "/api/v1/flows": .get, "/api/v1/count": .get, "/api/v1/groups": .get, "/api/v1/fields": .get,
        "/api/v1/explain": .get, "/api/v1/report": .get, "/api/v1/simulate": .post, "/api/v1/flows/bulk": .post,
        "/api/v1/batches": .post, "/api/v1/checkpoints": .get, "/api/v1/histogram": .get, "/api/v1/selector": .get,
        "/metrics": .get, "/healthz": .get, "/readyz": .get, "/": .get, "/ui/app.js": .get, "/ui/app.css": .get,
    ]

    /// The application, ready to run in a `ServiceGroup`. `onListening` gets the bound port (useful with port 0).
    public static func application(
        _ configuration: ServerConfiguration, health: HealthRoutes, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        ServerContext.bodyLimit = configuration.maxBodyBytes
        let writer = try StoreWriter(backend: configuration.store)
        let readers = ReaderPool(
            backend: configuration.store, size: configuration.maxConcurrentQueries, timeout: configuration.queryTimeout)
        let router = Router(context: ServerContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: AccessMiddleware(tokens: configuration.tokens, verifiedClients: configuration.tls?.clientCA != nil))
        health.add(to: router)
        QueryRoutes(readers: readers, cache: AnswerCache(backend: configuration.store, budget: configuration.answerCacheBytes))
            .add(to: router)
        ReportRoutes(readers: readers).add(to: router)
        ExploreRoutes(readers: readers).add(to: router)
        WebRoutes().add(to: router)
        IngestRoutes(writer: writer).add(to: router)
        ShipRoutes(writer: writer).add(to: router)
        let http1 = HTTPServerBuilder.http1(configuration: .init(
            additionalChannelHandlers: [ContinueHandler()], idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.nanoseconds))))
        let server = try configuration.tls.map { files in try HTTPServerBuilder.tls(http1, tlsConfiguration: try files.configuration()) } ?? http1
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(configuration.listen.host, port: configuration.listen.port), serverName: "flowq"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.listen.port) },
            logger: logger)
    }

    /// Only `/metrics`, `/healthz` and `/readyz` (the collector's endpoint).
    public static func healthApplication(
        listen: ListenAddress, health: HealthRoutes, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        health.add(to: router)
        return Application(
            router: router, server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "flowq"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? listen.port) },
            logger: logger)
    }
}

extension APIServer {
    /// A failure to bind the listening socket as a `serve.cannot_listen` error naming the address; other errors as
    /// they are.
    public static func explain(_ error: any Error, listening address: ListenAddress) -> any Error {
        guard let io = error as? IOError else { return error }
        return ServerError(.cannotListen, "cannot listen on \(address): \(String(cString: strerror(io.errnoCode)))")
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
