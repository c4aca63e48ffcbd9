import ArgumentParser
import FlowIngest
import FlowLog
import FlowPostgres
import FlowStore
import Foundation

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store flow-log files (plain, .gz, .zst) in the database, each line exactly once.",
        discussion: """
            PATH may be a file or a directory (searched for *.log, *.jsonl, *.json and their .gz/.zst forms).
            The node name comes from --host, else from a line's own `host` key, else from the file's parent
            directory (`logs/node-a/flows.log` -> node-a); a generic directory name (flowlogs, calico, log)
            gives this machine's hostname. Ingesting a file again adds only lines not stored yet.
            Malformed lines are kept in the `reject` table with file, line, offset and reason.
            """
    )

    @Argument(help: "Files or directories to ingest.")
    var paths: [String]

    @Option(help: "The store: a SQLite file, or postgres://user@host:port/db (default: $FLOWQ_DB or ./flowq.db).")
    var db: String = StoreLocation.defaultValue

    @Option(help: "Node name for lines that carry no `host`.")
    var host: String?

    @Flag(help: "Inside directories, read files that symbolic links point to (by default links are skipped).")
    var followSymlinks = false

    @Flag(help: "Exit with 1 when any line was rejected.")
    var strict = false

    @Option(help: "Longest accepted line in bytes; longer lines are rejected.")
    var maxLineLength = 1 << 20

    func validate() throws { try LineLimit.check(maxLineLength) }

    func run() throws {
        let started = Date()
        let found = try SourceDiscovery.scan(paths, followSymlinks: followSymlinks)
        for s in found.skipped { Terminal.error("flowq: note: skipped \(s.path): \(s.reason)") }
        let files = found.files
        let backend = try StoreLocation.backend(db)
        let store = try backend.openWriter()
        let ingestor = FileIngestor(
            store: store, options: .init(host: host, maxLineLength: maxLineLength))
        var read: Int64 = 0, stored: Int64 = 0, rejected: Int64 = 0, byReason: [String: Int64] = [:], skipped: Int64 = 0, bytes: Int64 = 0
        var failures = 0
        var lastProgress = Date()
        let tty = Terminal.stderrIsTTY
        for file in files {
            do {
                let r = try ingestor.ingest(path: file) { done in
                    guard tty, Date().timeIntervalSince(lastProgress) > 0.5 else { return }
                    lastProgress = Date()
                    let mb = Double(bytes + done) / 1_048_576
                    FileHandle.standardError.write(Data(String(format: "\r%@: %.0f MB read", file, mb).utf8))
                }
                if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                read += r.linesRead
                stored += r.stored
                rejected += r.rejected
                byReason.merge(r.rejectedByReason, uniquingKeysWith: +)
                skipped += r.alreadyStored
                bytes += r.bytes
                if let e = r.error {
                    failures += 1
                    Terminal.error("flowq: warning: \(e.description); the \(r.stored) good lines before it were stored")
                }
                if r.pendingBytes > 0 {
                    Terminal.error("flowq: note: \(file): \(r.pendingBytes) bytes of an unfinished last line left for a later run")
                }
            } catch let e as IngestError {
                failures += 1
                Terminal.error("flowq: error: \(e.description)")
            }
        }
        let seconds = max(Date().timeIntervalSince(started), 0.000_001)
        let rate = Double(read) / seconds
        print(
            "ingested \(files.count) file(s) into \(backend): \(read) lines read, \(stored) stored, \(rejected) rejected"
                + (skipped > 0 ? ", \(skipped) already stored" : "")
                + String(format: " in %.2f s (%.0f lines/s, %.1f MB/s)", seconds, rate, Double(bytes) / seconds / 1_048_576))
        if rejected > 0 {
            print("rejected by reason: " + byReason.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print(
                "the first \(Rejects.keptPerReason) of each reason per file are in the `reject` table, all are counted in `reject_count`: "
                    + (PostgresLocation.isURL(db)
                        ? "psql '\(backend)' -c 'SELECT path, line, \"offset\", reason FROM reject'"
                        : "sqlite3 \(db) 'SELECT path, line, offset, reason FROM reject'"))
        }
        if failures > 0 { throw ExitCode(2) }
        if strict && rejected > 0 { throw ExitCode(1) }
    }
}
