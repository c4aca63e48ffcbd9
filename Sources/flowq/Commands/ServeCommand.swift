import ArgumentParser
import FlowQuery
import FlowServer
import FlowStore
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the store over HTTP: the query API, reports, simulation, and Goldmane's emitter.",
        discussion: """
            Loopback only unless told otherwise. Without --token-file only clients on this machine are answered.
            Runs until SIGTERM or SIGINT. The API is described in Schemas/openapi.yaml.
            Examples:
              flowq serve --db flowq.db
              curl 'http://127.0.0.1:8080/api/v1/count?q=action:deny'
            """
    )

    @Option(help: "Database path (default: $FLOWQ_DB or ./flowq.db; created if missing).")
    var db: String = StoreLocation.defaultValue

    @Option(help: "Address to listen on: HOST:PORT, [IPv6]:PORT (port 0: any free port).")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "Bearer tokens, one 'TOKEN SCOPE[,SCOPE]' per line (scopes: read, ingest).")
    var tokenFile: String?

    @Option(help: "HTTPS: the server's certificate chain (PEM).")
    var tlsCert: String?

    @Option(help: "HTTPS: the server's private key (PEM).")
    var tlsKey: String?

    @Option(help: "Mutual TLS: clients must present a certificate this CA signed (PEM); such clients may ingest without a token.")
    var clientCa: String?

    @Option(help: "Queries that run at once; more wait their turn.")
    var maxQueries: Int = 4

    @Option(help: "Stop a query after this long (30s, 2m).")
    var queryTimeout: TimeLength = TimeLength(seconds: 30)

    @Option(help: "Close a connection idle this long, one that never finishes its request included (30s).")
    var idleTimeout: TimeLength = TimeLength(seconds: 30)

    @Option(help: "Largest request body in bytes.")
    var maxBodyBytes: Int = 64 << 20

    @Option(help: "Keep answers (pages of up to 10,000 rows, counts, groups) until the store changes, up to this many MiB; 0 keeps none.")
    var cacheMb: Int = 64

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (1...256).contains(maxQueries) else { throw ValidationError("--max-queries must be between 1 and 256") }
        guard queryTimeout.seconds >= 1 else { throw ValidationError("--query-timeout must be at least 1s") }
        guard idleTimeout.seconds >= 1 else { throw ValidationError("--idle-timeout must be at least 1s") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard clientCa == nil || tlsCert != nil else { throw ValidationError("--client-ca needs --tls-cert and --tls-key") }
        guard (0...65536).contains(cacheMb) else { throw ValidationError("--cache-mb must be between 0 and 65536") }
        guard (1024...(1 << 30)).contains(maxBodyBytes) else { throw ValidationError("--max-body-bytes must be between 1024 and 1073741824") }
    }

    func run() async throws {
        let level = logLevel
        let registry = bootstrapObservability(level: level)
        let logger = Logger(label: "flowq.serve")
        var config = ServerConfiguration(
            store: try StoreLocation.backend(db), listen: try ListenAddress(parsing: listen), tokens: try tokenFile.map(TokenTable.load))
        config.maxConcurrentQueries = maxQueries
        config.queryTimeout = .seconds(queryTimeout.seconds)
        config.maxBodyBytes = maxBodyBytes
        config.idleTimeout = .seconds(idleTimeout.seconds)
        config.answerCacheBytes = cacheMb << 20
        if let tlsCert, let tlsKey { config.tls = TLSFiles(certificateChain: tlsCert, privateKey: tlsKey, clientCA: clientCa) }
        if config.tokens == nil && clientCa == nil {
            logger.notice("no --token-file: only clients on this machine (loopback) are answered")
        }
        let address = config.listen
        let health = HealthRoutes(
            metrics: { registry.emitToString() }, healthy: { (true, "ok") }, ready: { (true, "ready") })
        let app = try APIServer.application(config, health: health, logger: logger) { port in
            logger.notice("listening", metadata: ["address": "\(ListenAddress(host: address.host, port: port))"])
        }
        let group = ServiceGroup(
            services: [app, LockWaitRelease(store: config.store)], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        do {
            try await group.run()
        } catch {
            throw APIServer.explain(error, listening: address)
        }
    }
}
