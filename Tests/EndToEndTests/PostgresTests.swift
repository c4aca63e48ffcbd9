import Foundation
import TestSupport
import Testing

/// One PostgreSQL database for a whole cluster: several `flowq collect` processes (one per node) write to it at
/// once, while some are killed with SIGKILL and every server connection is cut; every line is stored exactly once.
@Suite(.serialized, .disabled(if: TestBackend.postgresMissing, "FLOWQ_TEST_POSTGRES is not set (./dev test starts a server)"))
struct PostgresTests {
    static let flowq = CLITests.flowq

    static func psql(_ url: String, _ sql: String) -> String {
        (try? run("/usr/bin/env", ["psql", url, "-AtXc", sql]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? ""
    }

    /// `flowq collect` for one node, writing to `db`.
    static func collector(_ node: String, watch: String, db: String, log: String) throws -> Process {
        try CollectorTests.launch(
            flowq, ["collect", "--poll-ms", "50", "--watch", "\(watch)=\(node)", "--db", db], log: log, environment: ["FLOWQ_NODE": node])
    }

    @Test func manyCollectorsOneDatabaseThroughCrashesAndCutConnections() throws {
        let dir = TempDir()
        let db = try TestBackend.newDatabase()
        let nodes = ["node-a", "node-b", "node-c"]
        let perNode = 12_000
        // The same sample on every node (same first line, same fingerprint): checkpoints are kept per node.
        let base = try CollectorTests.lines(perNode, in: dir)
        var collectors: [String: Process] = [:]
        var writers: [Thread] = []
        let done = DispatchSemaphore(value: 0)
        for node in nodes {
            let logs = dir.file(node)
            try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
            let lines = base.map { "{\"node\":\"\(node)\"," + $0.dropFirst() }
            let t = Thread {
                try? CollectorTests.write(lines, to: logs, rotateEvery: 1500) { i in if i % 400 == 0 { Thread.sleep(forTimeInterval: 0.02) } }
                done.signal()
            }
            writers.append(t)
            collectors[node] = try Self.collector(node, watch: logs, db: db, log: dir.file(node + ".log"))
        }
        defer { for p in collectors.values where p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        writers.forEach { $0.start() }
        // Crashes of node-b's collector, and every connection to the database cut twice (a failover, a network cut).
        for round in 0..<8 {
            Thread.sleep(forTimeInterval: 0.4)
            if let p = collectors["node-b"] {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
            }
            collectors["node-b"] = try Self.collector("node-b", watch: dir.file("node-b"), db: db, log: dir.file("node-b.log"))
            if round % 4 == 1 {
                _ = Self.psql(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            }
        }
        for _ in nodes { done.wait() }
        let want = "\(perNode * nodes.count)|\(perNode * nodes.count)"
        let got = Self.wait(db, Self.linesAndDistinct, want)
        let logs = nodes.map { "\($0) log:\n\(Self.logTail(dir.file($0 + ".log")))" }.joined(separator: "\n")
        #expect(got == want, "stored (lines|distinct): \(got)\n\(logs)")
        // Every node's lines are under its own checkpoints, and the readiness report reads them all.
        #expect(Self.psql(db, "SELECT count(DISTINCT node) FROM source_file") == "3")
        #expect(Self.psql(db, "SELECT count(*) FROM host") == "3")
        let a = try run(Self.flowq, ["query", "--db", db, "--count", "action:allow"])
        let lines = try run(Self.flowq, ["query", "--db", db, "--count", "action:allow and start_time > 0"])
        #expect(a.status == 0 && a.stdout == lines.stdout, "\(a.stderr)")
        let report = try run(Self.flowq, ["report", "--db", db, "--format", "json"])
        #expect(report.status == 3, "\(report.stderr)")
        for p in collectors.values {
            p.terminate()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "status \(p.terminationStatus) (a signal's number if it died of one)\n\(logs)")
        }
    }

    /// Waits up to `seconds` for `sql` to print `want`; returns what it printed last.
    static func wait(_ db: String, _ sql: String, _ want: String, seconds: Double = 180) -> String {
        var got = ""
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            got = psql(db, sql)
            if got == want { break }
            Thread.sleep(forTimeInterval: 0.3)
        }
        return got
    }

    static let linesAndDistinct = "SELECT count(*), count(DISTINCT (extra::jsonb ->> 'node') || ':' || (extra::jsonb ->> 'seq')) FROM flow"

    static func logTail(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").suffix(12).joined(separator: "\n")
    }

    /// A lock held on a dictionary table (as a migration, a `VACUUM FULL` or an operator's transaction would) stalls
    /// the writers that need a new row of it; nothing is stored meanwhile, and everything once after.
    @Test func lockedDictionaryTableStallsWritersAndLosesNothing() throws {
        let dir = TempDir()
        let db = try TestBackend.newDatabase()
        #expect(try run(Self.flowq, ["query", "--db", db, "--count"]).status == 0)  // the schema
        let base = try CollectorTests.lines(4000, in: dir)
        var collectors: [Process] = []
        defer { for p in collectors where p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        var halves: [String: [[String]]] = [:]
        for node in ["node-a", "node-b"] {
            // The second half's lines go to new ports: each of their batches needs new `conn` rows.
            let lines = base.enumerated().map { i, l in
                let tagged = "{\"node\":\"\(node)\"," + l.dropFirst()
                return i < 2000 ? tagged : tagged.replacing(/"dest_port":\d+/, with: "\"dest_port\":\(40_000 + i / 250)")
            }
            halves[node] = [Array(lines[..<2000]), Array(lines[2000...])]
            try dir.write(node + "/flows.log", halves[node]![0].map { $0 + "\n" }.joined())
            collectors.append(try Self.collector(node, watch: dir.file(node), db: db, log: dir.file(node + ".log")))
        }
        #expect(Self.wait(db, "SELECT count(*) FROM flow", "4000") == "4000")
        let conns = Self.psql(db, "SELECT count(*) FROM conn")
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        locker.arguments = ["psql", db, "-qXc", "BEGIN; LOCK TABLE conn IN EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;"]
        locker.standardOutput = FileHandle.nullDevice
        try locker.run()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(Self.psql(db, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'conn' AND l.mode = 'ExclusiveLock' AND l.granted") == "1")
        for node in ["node-a", "node-b"] {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file(node + "/flows.log")))
            h.seekToEndOfFile()
            h.write(Data(halves[node]![1].map { $0 + "\n" }.joined().utf8))
            try h.close()
        }
        Thread.sleep(forTimeInterval: 2)
        // Still locked: the new lines wait for their connections.
        #expect(Self.psql(db, "SELECT count(*) FROM flow") == "4000")
        locker.waitUntilExit()
        #expect(locker.terminationStatus == 0)
        let got = Self.wait(db, Self.linesAndDistinct, "8000|8000")
        #expect(got == "8000|8000", "stored (lines|distinct): \(got)\nnode-a log:\n\(Self.logTail(dir.file("node-a.log")))")
        #expect(Int(Self.psql(db, "SELECT count(*) FROM conn")) ?? 0 > Int(conns) ?? .max)
        for p in collectors {
            p.terminate()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }
    }

    /// A connection logged on two nodes, its source side by one collector and its destination side by another,
    /// writing at once, is one connection in the cluster's report: the same report as one SQLite store of both
    /// nodes' lines.
    @Test func connectionSeenByTwoCollectorsIsOneConnection() throws {
        let dir = TempDir()
        // SampleLogs' lines, split by reporter: every source side on one node, every destination side on another.
        var sides: [String: [String]] = ["node-src": [], "node-dst": []]
        let cluster = Repo.sampleLogs("cluster")
        for node in try FileManager.default.contentsOfDirectory(atPath: cluster).sorted() {
            for file in try FileManager.default.contentsOfDirectory(atPath: cluster + "/" + node).sorted() {
                let text = try String(contentsOfFile: cluster + "/" + node + "/" + file, encoding: .utf8)
                for line in text.split(separator: "\n") {
                    sides[line.contains("\"reporter\":\"src\"") ? "node-src" : "node-dst"]!.append(String(line))
                }
            }
        }
        for (node, lines) in sides {
            _ = try dir.write("split/\(node)/flows.log", lines.joined(separator: "\n") + "\n")
        }
        let sqlite = dir.file("s.db")
        #expect(try run(Self.flowq, ["ingest", dir.file("split"), "--db", sqlite]).status == 0)
        let db = try TestBackend.newDatabase()
        #expect(try run(Self.flowq, ["query", "--db", db, "--count"]).status == 0)  // the schema, before both start
        let collectors = try sides.keys.sorted().map { node in
            try Self.collector(node, watch: dir.file("split/" + node), db: db, log: dir.file(node + ".log"))
        }
        defer { for p in collectors where p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        let total = String(sides.values.map(\.count).reduce(0, +))
        #expect(Self.wait(db, "SELECT count(*) FROM flow", total) == total)
        for p in collectors {
            p.terminate()
            p.waitUntilExit()
        }
        func report(_ store: String) throws -> String {
            let r = try run(Self.flowq, ["report", "--db", store, "--format", "json"])
            #expect(r.status == 3, "\(r.stderr)")
            return r.stdout.split(separator: "\n").filter { !$0.contains("\"generated_at\"") }.joined(separator: "\n")
        }
        let fromPostgres = try report(db)
        #expect(fromPostgres == (try report(sqlite)))
        // And a connection of it has both sides, each from its own node.
        let json = try JSONSerialization.jsonObject(with: Data(fromPostgres.utf8)) as? [String: Any]
        let connections = json?["connections"] as? [[String: Any]] ?? []
        let joined = connections.filter { c in
            let sides = (c["sides"] as? [[String: Any]] ?? []).map { "\($0["reporter"] ?? "")@\(($0["hosts"] as? [String] ?? []).joined())" }
            return Set(sides) == ["src@node-src", "dst@node-dst"]
        }
        #expect(!joined.isEmpty, "no connection with a source side from node-src and a destination side from node-dst")
    }

    /// `flowq serve` on PostgreSQL: the API gives the CLI's answers from the same database, and what the server
    /// receives (Goldmane's emitter) is stored there once.
    @Test(.enabled(if: Environment.has("curl"), "talks to the server with curl"))
    func serveReadsAndWritesPostgres() throws {
        let dir = TempDir()
        let db = try TestBackend.newDatabase()
        #expect(try run(Self.flowq, ["ingest", Repo.sampleLogs("cluster"), "--db", db]).status == 0)
        let server = try RunningServer(db: db, in: dir)
        for q in ["", "action:deny", #"policies:{pending_policies: *default-deny*} and action:"allow""#, "not reporter:src and proto:udp"] {
            let cli = try run(Self.flowq, ["query", q, "--db", db, "--count"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try server.get("/api/v1/count?q=\(ServerTests.escaped(q))").body == "{\"count\":\(cli)}", "\(q)")
        }
        let cliFlows = try run(Self.flowq, ["query", "dest_port:53", "--db", db, "--limit", "500", "--format", "ndjson", "--sort", "start_time:desc"])
        let apiFlows = try server.get("/api/v1/flows?q=dest_port:53&limit=500&format=ndjson&sort=start_time:desc")
        #expect(apiFlows.status == 200 && !apiFlows.body.isEmpty && apiFlows.body + "\n" == cliFlows.stdout)
        let cliReport = try run(Self.flowq, ["report", "--db", db, "--format", "json"]).stdout
        let apiReport = try server.get("/api/v1/report?format=json").body
        func withoutTime(_ s: String) -> [String: Any] { ServerTests.object(s).filter { $0.key != "generated_at" } }
        #expect(NSDictionary(dictionary: withoutTime(apiReport)) == NSDictionary(dictionary: withoutTime(cliReport)))
        #expect(ServerTests.object(try server.get("/api/v1/explain?q=dest_port%3E%3D53").body)["backend"] as? String == "postgres")
        let body = Repo.root.appendingPathComponent("Tests/Fixtures/goldmane/emitter-body.ndjson").path
        let before = Int(try run(Self.flowq, ["query", "--db", db, "--count"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        // Kept while nothing is committed to this database (a write to another database of the server changes
        // nothing here), then given no more.
        #expect(try server.get("/api/v1/count", header: "X-Flowq-Cache").body == "{\"count\":\(before)}\n")
        #expect(try server.get("/api/v1/count", header: "X-Flowq-Cache").header == "hit")
        let other = try TestBackend.newDatabase()
        #expect(try run(Self.flowq, ["ingest", Repo.sampleLogs("cluster"), "--db", other]).status == 0)
        #expect(try server.get("/api/v1/count", header: "X-Flowq-Cache").header == "hit")
        for expected in [7, 0] {
            let r = ServerTests.object(try server.post("/api/v1/flows/bulk", file: body, headers: ["Content-Type: application/x-ndjson"]).body)
            #expect(r["stored"] as? Int == expected, "\(r)")
        }
        let after = try server.get("/api/v1/count", header: "X-Flowq-Cache")
        #expect(after.body == "{\"count\":\(before + 7)}\n" && after.header == "miss")
    }

    @Test func reingestIntoDayPartitionsStoresNothingTwice() throws {
        let db = try TestBackend.newDatabase()
        let r = try run(Self.flowq, ["ingest", "--db", db, Repo.sampleLogs("cluster")])
        #expect(r.status == 0, "\(r.stderr)")
        let before = try run(Self.flowq, ["query", "--db", db, "--count"]).stdout
        #expect(Int(before.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 1000)
        // A second ingest stores nothing twice.
        #expect(try run(Self.flowq, ["ingest", "--db", db, Repo.sampleLogs("cluster")]).stdout.contains(" 0 stored"))
        #expect(try run(Self.flowq, ["query", "--db", db, "--count"]).stdout == before)
        #expect(Self.psql(db, "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'flow'") != "0")
    }
}

/// The server itself goes away mid-ingest: a crash (`pg_ctl stop -m immediate`, recovery on start) and an outage of a
/// few seconds (a restart, a failover). Each collector logs it, backs off, reconnects and resumes from its committed
/// checkpoint: afterwards every line is stored exactly once. The server is the test's own.
@Suite(.serialized, .disabled(if: PrivatePostgres.unavailable, "no PostgreSQL server binaries (apt-get install postgresql)"))
struct PostgresOutageTests {
    @Test func serverCrashAndRestartMidIngestLoseAndRepeatNothing() throws {
        let dir = TempDir()
        let server = try PrivatePostgres()
        let db = server.url
        let nodes = ["node-a", "node-b"]
        let perNode = 10_000
        let base = try CollectorTests.lines(perNode, in: dir)
        var collectors: [Process] = []
        defer { for p in collectors where p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        let done = DispatchSemaphore(value: 0)
        for node in nodes {
            let logs = dir.file(node)
            try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
            let lines = base.map { "{\"node\":\"\(node)\"," + $0.dropFirst() }
            Thread {
                try? CollectorTests.write(lines, to: logs, rotateEvery: 1500) { i in if i % 250 == 0 { Thread.sleep(forTimeInterval: 0.1) } }
                done.signal()
            }.start()
            collectors.append(try PostgresTests.collector(node, watch: logs, db: db, log: dir.file(node + ".log")))
        }
        // The crash comes once the first lines are stored (not after a fixed time: on a loaded machine the
        // collectors' start took longer than 1.2 s once, and the crash came before any line).
        var midCrash = "0"
        let started = Date().addingTimeInterval(60)
        while (Int(midCrash) ?? 0) == 0 && Date() < started {
            Thread.sleep(forTimeInterval: 0.1)
            midCrash = PostgresTests.psql(db, "SELECT count(*) FROM flow")
        }
        try server.stop(immediate: true)
        Thread.sleep(forTimeInterval: 0.3)
        try server.start()
        Thread.sleep(forTimeInterval: 1.0)
        try server.stop(immediate: false)
        Thread.sleep(forTimeInterval: 2.5)
        try server.start()
        for _ in nodes { done.wait() }
        let want = "\(perNode * nodes.count)|\(perNode * nodes.count)"
        let got = PostgresTests.wait(db, PostgresTests.linesAndDistinct, want)
        #expect(got == want, "stored (lines|distinct): \(got)\nnode-a log:\n\(PostgresTests.logTail(dir.file("node-a.log")))")
        // The crash did land mid-ingest, and each collector said so without repeating itself on every retry.
        #expect((Int(midCrash) ?? 0) > 0 && (Int(midCrash) ?? .max) < perNode * nodes.count, "lines before the crash: \(midCrash)")
        for node in nodes {
            let log = (try? String(contentsOfFile: dir.file(node + ".log"), encoding: .utf8)) ?? ""
            let retries = log.split(separator: "\n").filter { $0.contains("retrying with backoff") }.count
            #expect(retries >= 1 && retries <= 6, "\(node) logged \(retries) retries:\n\(log.suffix(3000))")
        }
        for p in collectors {
            p.terminate()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }
    }
}

/// TLS to PostgreSQL, with `sslmode` as libpq means it, against a server that takes TLS connections only and has a
/// self-signed certificate (as in-cluster servers often do).
@Suite(.serialized, .disabled(if: PrivatePostgres.unavailable, "no PostgreSQL server binaries (apt-get install postgresql)"))
struct PostgresTLSTests {
    @Test func sslModesAsLibpqMeansThem() throws {
        let server = try PrivatePostgres(tls: true)
        let base = server.url.replacingOccurrences(of: "?sslmode=disable", with: "")
        let logs = Repo.sampleLogs("cluster")
        func ingest(_ query: String) throws -> ProcessResult { try run(PostgresTests.flowq, ["ingest", logs, "--db", base + query]) }
        // Encrypted without checking the certificate (require; prefer takes TLS when offered).
        let required = try ingest("?sslmode=require")
        #expect(required.status == 0, "\(required.stderr)")
        #expect(try ingest("?sslmode=prefer").stdout.contains(" 0 stored"))
        // Encrypted and the server authenticated: its certificate is the root trusted.
        let verified = try ingest("?sslmode=verify-full&sslrootcert=\(server.certificate)")
        #expect(verified.status == 0 && verified.stdout.contains(" 0 stored"), "\(verified.stderr)")
        // Refused, each with a clear error and no trace: plain TCP to a TLS-only server, and an untrusted certificate.
        for query in ["?sslmode=disable", "?sslmode=verify-full", "?sslmode=verify-ca"] {
            let r = try ingest(query)
            #expect(r.status != 0, "\(query) connected")
            #expect(r.stderr.contains("store.cannot_open") && !r.stderr.contains("Fatal error"), "\(query): \(r.stderr)")
        }
        let count = try run(PostgresTests.flowq, ["query", "--count", "--db", base + "?sslmode=require"])
        #expect(Int(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 1000, "\(count.stderr)")
    }
}
