import FlowIngest
import FlowReport
import FlowStore
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// `flowq collect`: watches flow-log directories and stores every line exactly once, for months.
///
/// Each cycle lists every watched directory (rotated files first, oldest first, then the active `flows.log`)
/// and ingests what is new in each file: a file is identified by the fingerprint of its first line, so a
/// rotated file, renamed or replaced by its `.zst` copy, continues where it stopped, and a truncated or
/// replaced `flows.log` (new first line) starts from its beginning. The checkpoint of each batch commits in the
/// same transaction as its rows, so a restart after SIGKILL stores every line exactly once. A partial last
/// line waits for its newline. Errors (store locked or full, unreadable files) are logged and retried with
/// backoff; nothing is acknowledged before it is stored.
public final class Collector: Service, @unchecked Sendable {
    // Invariant: `run()` is the only code that touches the mutable state below, on one task.
    public let configuration: CollectorConfiguration
    public let health = HealthState()
    let logger: Logger
    private var store: (any WritableStore)?
    private var warned: [String: String] = [:]
    private var backoffUntil: [String: Date] = [:]
    private var storeBackoff: TimeInterval = 0.5
    /// The store error being retried, logged once when it starts (and when it changes), not on every retry.
    private var failingStore: String?
    /// The database file was deleted while open: it is not created again by this process.
    private var databaseDeleted = false
    private var lastRetention = Date.distantPast
    private var lastReport: Date?
    private var ingestors: [String: (any FlowWriter, FileIngestor)] = [:]
    /// A node agent's stores, one per watched directory (its node name keys the server's checkpoints).
    private var shipping: [String: ShippingStorage] = [:]

    public init(configuration: CollectorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        logger.info(
            "collector started",
            metadata: [
                "db": "\(configuration.shipTo.map { "ship to " + $0.url.absoluteString } ?? configuration.store.description)",
                "watch": "\(configuration.watches.map { $0.directory + ($0.host.map { "=" + $0 } ?? "") }.joined(separator: ","))",
            ])
        var lastStoreError: String? = nil
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let started = Date()
                let storeError = cycle()
                lastStoreError = storeError
                health.cycleDone(error: storeError)
                if storeError == nil {
                    retention()
                    scheduledReport()
                }
                Metrics.Timer(label: "flowq_cycle_duration_seconds").recordNanoseconds(Int64(Date().timeIntervalSince(started) * 1e9))
                let pause = storeError == nil ? configuration.pollInterval : .milliseconds(Int(storeBackoff * 1000))
                // The pause ends at once on SIGTERM/SIGINT.
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            }
        } onGracefulShutdown: {
            // A batch waiting for another process's lock gives up at once; its lines are read again next start.
            self.configuration.store.stopWaiting()
        }
        if let lastStoreError {
            logger.notice(
                "graceful shutdown while the store fails: lines not yet stored stay in their files and are read again from the last checkpoint on the next start; exiting",
                metadata: ["error": "\(lastStoreError)"])
        } else {
            logger.info("graceful shutdown: every batch read so far and its checkpoint are stored; exiting")
        }
    }

    /// One pass over every watched directory. Returns the store error, if the store failed.
    private func cycle() -> String? {
        if let target = configuration.shipTo { return watchAll { watch in shippingStorage(watch, target) } }
        let store: any WritableStore
        if let s = self.store {
            store = s
        } else if databaseDeleted, configuration.store.isMissing {
            // Not created again behind the operator's back: every stored line went with the file. Not ready until the
            // file is restored (it is then opened) or the collector is restarted (a new store then reads the files
            // still on disk from their start).
            return storeFailed(
                "the database file was deleted; restore it or restart flowq collect to start a new store",
                StoreError(.cannotOpen, "database file \(configuration.store) was deleted"))
        } else {
            do {
                store = try configuration.store.openWriter()
                self.store = store
            } catch {
                return storeFailed("cannot open the store", error)
            }
        }
        if let change = store.identityChange() {
            // Deleted or replaced under us: SQLite would go on writing to the unlinked file, and every line counted
            // as stored would be lost. Close it: a file now at the path (a restored copy) is opened on the next
            // cycle and the watched files go on from its checkpoints; a deleted one is not created again.
            self.store = nil
            databaseDeleted = configuration.store.isMissing
            return storeFailed("the database file \(change); closing it", StoreError(.cannotOpen, "database file \(change)"))
        }
        databaseDeleted = false
        return watchAll { _ in store }
    }

    /// A node agent's store for a watched directory: the server, with this node's name.
    private func shippingStorage(_ watch: CollectorConfiguration.Watch, _ target: ShipTarget) -> ShippingStorage {
        if let s = shipping[watch.directory] { return s }
        let s = ShippingStorage(target: target, node: watch.host ?? ProcessInfo.processInfo.hostName)
        shipping[watch.directory] = s
        return s
    }

    /// Ingests what is new in every watched directory into the store `storage` gives for it.
    private func watchAll(_ storage: (CollectorConfiguration.Watch) -> any FlowWriter) -> String? {
        for watch in configuration.watches {
            if Task.isShuttingDownGracefully { return nil }
            let files: [String]
            do {
                let found = try SourceDiscovery.scan([watch.directory], followSymlinks: configuration.followSymlinks)
                files = found.files
                clearWarning(watch.directory)
                for s in found.skipped {
                    warnOnce(s.path, "skipped", IngestError(.notAFile, "\(s.path) is \(s.reason)", path: s.path))
                }
            } catch {
                warnOnce(watch.directory, "cannot read the watched directory; retrying", error)
                continue
            }
            let ingestor = ingestor(for: watch, storage(watch))
            for path in files {
                if Task.isShuttingDownGracefully { return nil }
                if let until = backoffUntil[path], until > Date() { continue }
                let t0 = Date()
                do {
                    let r = try ingestor.ingest(path: path, shouldStop: { Task.isShuttingDownGracefully })
                    record(r, path: path, since: t0)
                    backoffUntil[path] = nil
                    if let e = r.error {
                        warnOnce(path, "file problem; the good lines before it are stored", e)
                    } else {
                        clearWarning(path)
                    }
                } catch let e as StoreError {
                    return storeFailed("cannot store", e)
                } catch let e as IngestError {
                    if e.code == .notFound { continue }  // rotated away between listing and opening
                    warnOnce(path, "cannot read; retrying with backoff", e)
                    backoffUntil[path] = Date().addingTimeInterval(5)
                } catch {
                    warnOnce(path, "cannot ingest", error)
                }
            }
        }
        storeBackoff = 0.5
        if let failed = failingStore {
            logger.notice("store recovered", metadata: ["error": "\(failed)"])
            failingStore = nil
        }
        return nil
    }

    /// The ingestor of a watched directory, kept across polls (and its decoder's pool with it) while the store
    /// stays open.
    private func ingestor(for watch: CollectorConfiguration.Watch, _ store: any FlowWriter) -> FileIngestor {
        if let (s, i) = ingestors[watch.directory], s === store { return i }
        let i = FileIngestor(
            store: store,
            options: .init(
                host: watch.host, batchSize: configuration.batchLines, maxLineLength: configuration.maxLineLength,
                decodeFinalPartialLine: false))
        ingestors[watch.directory] = (store, i)
        return i
    }

    private func storeFailed(_ what: String, _ error: any Error) -> String {
        let text = "\(error)"
        if failingStore != text {
            logger.error("\(what); retrying with backoff (0.5 s doubling to 30 s), nothing is lost", metadata: ["error": "\(text)"])
            failingStore = text
        } else {
            logger.debug("\(what); retrying in \(storeBackoff) s", metadata: ["error": "\(text)"])
        }
        storeBackoff = min(storeBackoff * 2, 30)
        // Reopen on the next cycle: the dictionaries of a failed transaction are forgotten with the store (an agent
        // asks the server for its checkpoints again).
        store = nil
        shipping = [:]
        return text
    }

    private func record(_ r: FileIngestor.FileResult, path: String, since: Date) {
        let dims = [("file", path)]
        if r.linesRead > 0 {
            Counter(label: "flowq_lines_read_total", dimensions: dims).increment(by: Int(r.linesRead))
            Counter(label: "flowq_lines_stored_total", dimensions: dims).increment(by: Int(r.stored))
            Counter(label: "flowq_lines_rejected_total", dimensions: dims).increment(by: Int(r.rejected))
            Metrics.Timer(label: "flowq_batch_duration_seconds").recordNanoseconds(Int64(Date().timeIntervalSince(since) * 1e9))
            Gauge(label: "flowq_last_checkpoint_timestamp_seconds").record(Date().timeIntervalSince1970)
            logger.debug("stored", metadata: ["file": "\(path)", "stored": "\(r.stored)", "rejected": "\(r.rejected)"])
        }
        if r.rejected > 0 {
            for (reason, n) in r.rejectedByReason {
                Counter(label: "flowq_lines_rejected_by_reason_total", dimensions: [("reason", reason)]).increment(by: Int(n))
            }
            logger.warning(
                "rejected lines: counted in reject_count, the first \(Rejects.keptPerReason) of each reason per file kept in the reject table",
                metadata: [
                    "file": "\(path)", "rejected": "\(r.rejected)",
                    "reasons": "\(r.rejectedByReason.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
                ])
        }
        // Bytes behind: what is in the plain file past the last whole line stored.
        if !path.hasSuffix(".gz") && !path.hasSuffix(".zst"),
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber
        {
            Gauge(label: "flowq_bytes_behind", dimensions: dims).record(max(0, size.int64Value - r.offset))
        }
    }

    private func warnOnce(_ key: String, _ message: String, _ error: any Error) {
        let text = "\(error)"
        guard warned[key] != text else { return }
        warned[key] = text
        logger.warning("\(message)", metadata: ["path": "\(key)", "error": "\(text)"])
    }

    private func clearWarning(_ key: String) {
        if warned.removeValue(forKey: key) != nil { logger.info("recovered", metadata: ["path": "\(key)"]) }
    }

    /// Deletes old flows in small chunks, a few per cycle, so ingest never stalls.
    private func retention() {
        guard let retain = configuration.retainSeconds, let store, Date().timeIntervalSince(lastRetention) > 10 else { return }
        let cutoff = Int64(Date().timeIntervalSince1970) - retain
        do {
            var deleted = 0
            for _ in 0..<4 {
                let n = try store.deleteFlows(startedBefore: cutoff, limit: 5000)
                deleted += n
                if n < 5000 {
                    lastRetention = Date()
                    break
                }
            }
            if lastRetention > Date().addingTimeInterval(-1) { try store.deleteRollups(endedBefore: cutoff) }
            if deleted > 0 {
                Counter(label: "flowq_flows_deleted_total").increment(by: deleted)
                logger.info("retention deleted old flows", metadata: ["deleted": "\(deleted)", "before": "\(cutoff)"])
            }
        } catch {
            logger.warning("retention failed; retrying", metadata: ["error": "\(error)"])
        }
    }

    /// Writes a readiness report when one is due, with a `latest` copy, and exports its counts.
    private func scheduledReport() {
        guard let every = configuration.reportEverySeconds, let dir = configuration.reportDirectory else { return }
        if let last = lastReport, Date().timeIntervalSince(last) < Double(every) { return }
        lastReport = Date()
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var options = configuration.reportOptions
            options.now = Int64(Date().timeIntervalSince1970)
            let reader = try configuration.store.openReader()
            let report = try ReadinessAnalyzer(store: reader, options: options).run()
            let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "-")
            let json = try JSONRenderer.render(report)
            let md = MarkdownRenderer.render(report)
            for (name, text) in [("report-\(stamp).json", json), ("report-\(stamp).md", md), ("latest.json", json), ("latest.md", md)] {
                try text.write(toFile: (dir as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            for (cls, n) in report.summary.connections {
                Gauge(label: "flowq_report_connections", dimensions: [("classification", cls)]).record(n)
            }
            Gauge(label: "flowq_report_exit_code").record(Int(report.exitCode))
            Gauge(label: "flowq_report_timestamp_seconds").record(Date().timeIntervalSince1970)
            logger.info("readiness report written", metadata: ["verdict": "\(report.verdict.rawValue)", "dir": "\(dir)"])
        } catch {
            logger.warning("readiness report failed; next attempt at the next interval", metadata: ["error": "\(error)"])
        }
    }
}
