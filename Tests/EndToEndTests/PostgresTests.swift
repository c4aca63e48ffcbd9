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
        let query = "SELECT count(*), count(DISTINCT (extra::jsonb ->> 'node') || ':' || (extra::jsonb ->> 'seq')) FROM flow"
        var got = ""
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            got = Self.psql(db, query)
            if got == want { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let tail = ((try? String(contentsOfFile: dir.file("node-b.log"), encoding: .utf8)) ?? "").split(separator: "\n").suffix(12)
        #expect(got == want, "stored (lines|distinct): \(got)\nnode-b log:\n\(tail.joined(separator: "\n"))")
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
            #expect(p.terminationStatus == 0)
        }
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
