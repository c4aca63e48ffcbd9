import ArgumentParser
import FlowCollector
import FlowQuery
import FlowReport
import FlowServer
import FlowStore
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

struct CollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Tail Felix flow-log directories into the store, across rotation, restarts and crashes.",
        discussion: """
            Runs until SIGTERM or SIGINT, then finishes its batch, stores its checkpoint and exits 0.
            Each line is stored exactly once (see the README for the file identity scheme).
            """
    )

    @Option(name: .customLong("watch"), help: "A directory to tail, DIR or DIR=HOST (repeatable).")
    var watches: [String] = ["/var/log/calico/flowlogs"]

    @Option(help: "The store: a SQLite file, or postgres://user@host:port/db (default: $FLOWQ_DB or ./flowq.db).")
    var db: String = StoreLocation.defaultValue

    @Option(help: "How often to look for new lines, in milliseconds.")
    var pollMs: Int = 250

    @Option(help: "Lines per transaction at most.")
    var batchLines: Int = 8192

    @Option(help: "Longest accepted line in bytes; longer lines are rejected, never buffered.")
    var maxLineLength: Int = 1 << 20

    @Option(help: "Delete flows older than this (7d, 24h).")
    var retain: TimeLength?

    @Option(help: "Serve /metrics, /healthz and /readyz on this port.")
    var metricsPort: Int?

    @Option(help: "Address of the metrics endpoint (IPv4 or IPv6; 0.0.0.0 or :: for every interface).")
    var metricsAddress: String = "0.0.0.0"

    @Option(help: "Write a readiness report this often (1h, 30m) into --report-dir.")
    var reportEvery: TimeLength?

    @Option(help: "Where scheduled reports go (timestamped files and latest.json/latest.md).")
    var reportDir: String?

    @Option(name: .customLong("policy"), help: "Scheduled reports: enforce only these staged policies.")
    var policies: [String] = []

    @OptionGroup(title: "Scheduled reports") var flags: ReadinessFlags

    @Option(help: "Ship batches to this flowq serve (http[s]://HOST:PORT) instead of writing --db: a node agent.")
    var shipTo: String?

    @Option(help: "With --ship-to: a file holding the bearer token (scope ingest); or set $FLOWQ_TOKEN.")
    var tokenFile: String?

    @Flag(help: "Read files that symbolic links in a watched directory point to (by default links are skipped).")
    var followSymlinks = false

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (10...60_000).contains(pollMs) else { throw ValidationError("--poll-ms must be between 10 and 60000") }
        guard (1...1_000_000).contains(batchLines) else { throw ValidationError("--batch-lines must be between 1 and 1000000") }
        try LineLimit.check(maxLineLength)
        if let metricsPort, !(0...65_535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be between 0 and 65535 (0: any free port)")
        }
        if let retain, retain.seconds == 0 { throw ValidationError("--retain must be longer than 0s") }
        if let reportEvery, reportEvery.seconds < 60 { throw ValidationError("--report-every must be at least 1m") }
        if let shipTo {
            guard let url = URL(string: shipTo), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--ship-to must be a URL such as http://flowq.flowq.svc:8080")
            }
            if retain != nil || reportEvery != nil {
                throw ValidationError("--ship-to: retention and scheduled reports are the server's (flowq serve), not the agent's")
            }
        }
    }

    func run() async throws {
        let level = logLevel
        let retainSeconds = retain?.seconds
        let reportEvery = self.reportEvery?.seconds
        if reportEvery != nil && reportDir == nil { throw fail("--report-every needs --report-dir") }
        let reportOptions = try flags.options(policies: policies)
        let registry = bootstrapObservability(level: level)
        let logger = Logger(label: "flowq.collect")
        var config = CollectorConfiguration(
            watches: watches.map(CollectorConfiguration.Watch.init(parsing:)), store: try StoreLocation.backend(db),
            pollInterval: .milliseconds(pollMs), maxLineLength: maxLineLength, batchLines: batchLines,
            retainSeconds: retainSeconds, metricsPort: metricsPort, metricsAddress: metricsAddress,
            reportEverySeconds: reportEvery, reportDirectory: reportDir, reportOptions: reportOptions)
        config.followSymlinks = followSymlinks
        if let shipTo, let url = URL(string: shipTo) {
            var token = ProcessInfo.processInfo.environment["FLOWQ_TOKEN"]
            if let tokenFile {
                do {
                    token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                } catch {
                    throw fail("cannot read --token-file \(tokenFile): \(error.localizedDescription)")
                }
            }
            config.shipTo = ShipTarget(url: url, token: token)
        }
        let collector = Collector(configuration: config, logger: logger)
        var services: [any Service] = [collector]
        if let port = metricsPort {
            let health = collector.health
            let routes = HealthRoutes(
                metrics: { registry.emitToString() }, healthy: { health.healthy }, ready: { health.ready })
            let address = metricsAddress
            services.append(APIServer.healthApplication(
                listen: ListenAddress(host: address, port: port), health: routes, logger: logger
            ) { bound in
                logger.info("metrics endpoint listening", metadata: ["address": "\(ListenAddress(host: address, port: bound))"])
            })
        }
        let group = ServiceGroup(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
            logger: logger)
        do {
            try await group.run()
        } catch {
            throw APIServer.explain(error, listening: ListenAddress(host: metricsAddress, port: metricsPort ?? 0))
        }
    }
}
