import Foundation
import TestSupport
import Testing

/// Every user mistake is a message and exit 2, handled in one place; CLI values are types.
@Suite struct UserErrorTests {
    func flowq(_ args: [String], cwd: String) throws -> ProcessResult { try run(CLITests.flowq, args, cwd: cwd) }

    /// A store with a few lines, one of which has an unknown key holding a JSON object.
    func store(_ dir: TempDir) throws -> String {
        try dir.write(
            "n/flows.log",
            #"{"start_time":1795392000,"end_time":1795392300,"action":"allow","dest_port":443,"proto":"tcp","x_meta":{"a":[1,2]},"x_flag":true}"#
                + "\n")
        let r = try flowq(["ingest", "n", "--db", "f.db"], cwd: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        return "f.db"
    }

    @Test func mistakesExitTwoWithAMessageAndNoBacktrace() throws {
        let dir = TempDir()
        let db = try store(dir)
        try dir.write("expected.yaml", "- query: \"dest_port:abc\"\n  reason: test\n")
        let cases: [[String]] = [
            ["report", "--db", db, "--expected", "expected.yaml"],  // parses, does not compile
            ["query", "--format", "xml", "--db", db],
            ["query", "--syntax", "sql", "--db", db],
            ["report", "--format", "pdf", "--db", db],
            ["sample", "--era", "v9"],
            ["sample", "--compress", "bz2"],
            ["collect", "--log-level", "loud"],
            ["collect", "--retain", "forever"],
            ["collect", "--report-every", "-1h"],
            ["report", "--min-window", "-5h", "--db", db],
            ["report", "--min-window", "nan", "--db", db],
            ["query", "--bogus", "--db", db],
            ["query", "-dest_port:443", "--db", db],  // a query starting with `-` is an unknown option
            ["query", "x", "--limit", "-1", "--db", db],
            ["ingest", "n", "--max-line-length", "0", "--db", db],
            ["nosuchcommand"],
        ]
        for args in cases {
            let r = try flowq(args, cwd: dir.path)
            #expect(r.status == 2, "\(args): exit \(r.status)\n\(r.stderr)")
            #expect(!r.stderr.isEmpty, "\(args): no message")
            #expect(!r.stderr.contains("Backtracing") && !r.stderr.contains("Fatal error"), "\(args): \(r.stderr)")
        }
        let e = try flowq(["report", "--db", db, "--expected", "expected.yaml"], cwd: dir.path)
        #expect(e.stderr.contains("expected.yaml: entry 1") && e.stderr.contains("^"), "\(e.stderr)")
        #expect(e.stderr.contains("[report.bad_input]"))
    }

    @Test func helpListsTheChoicesAndExitsZero() throws {
        let dir = TempDir()
        let q = try flowq(["query", "--help"], cwd: dir.path)
        #expect(q.status == 0)
        #expect(q.stdout.contains("table") && q.stdout.contains("ndjson") && q.stdout.contains("lucene"), "\(q.stdout)")
        let s = try flowq(["sample", "--help"], cwd: dir.path)
        #expect(s.stdout.contains("v1-a") && s.stdout.contains("zst"))
        let c = try flowq(["collect", "--help"], cwd: dir.path)
        #expect(c.stdout.contains("warning"))
    }

    @Test func durationsShareOneParser() throws {
        let dir = TempDir()
        let db = try store(dir)
        for w in ["24h", "2d", "90m", "1.5h", "3600s", "1w"] {
            let r = try flowq(["report", "--db", db, "--min-window", w, "--format", "json"], cwd: dir.path)
            #expect([0, 3, 4].contains(r.status), "\(w): \(r.stderr)")
        }
        let q = try flowq(["query", "", "--since", "36500d", "--db", db, "--count"], cwd: dir.path)
        #expect(q.status == 0 && q.stdout == "1\n", "\(q.stdout) \(q.stderr)")
    }

    @Test func extraFieldsKeepTheirJSON() throws {
        let dir = TempDir()
        let db = try store(dir)
        let nd = try flowq(["query", "", "--db", db, "--fields", "dest_port,extra.x_meta,extra.x_flag", "--format", "ndjson"], cwd: dir.path)
        #expect(nd.stdout == #"{"dest_port":443,"extra.x_meta":{"a":[1,2]},"extra.x_flag":true}"# + "\n", "\(nd.stdout)")
        let j = try flowq(["query", "", "--db", db, "--fields", "extra.x_meta", "--format", "json"], cwd: dir.path)
        let parsed = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [[String: Any]]
        #expect((parsed?.first?["extra.x_meta"] as? [String: Any])?["a"] as? [Int] == [1, 2])
    }

    /// Numbers at and past the 64-bit edges, in every place a user gives one: exit 0 or 2, never a trap.
    @Test func integerEdgesAreRangeChecked() throws {
        let dir = TempDir()
        let db = try store(dir)
        let edges = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999"]
        var cases: [[String]] = []
        for n in edges {
            cases += [
                ["query", "start_time:\(n)", "--db", db, "--count"],
                ["query", "start_time > now-\(n)y", "--db", db, "--count"],
                ["query", "@timestamp < now+\(n)s", "--db", db, "--count"],
                ["query", "bytes_in > \(n)", "--db", db, "--count"],
                ["query", "dest_port:\(n)", "--db", db, "--count"],
                ["query", "", "--since", n, "--db", db, "--count"],
                ["query", "", "--until", "now+\(n)s", "--db", db, "--count"],
                ["query", "", "--since", "\(n)d", "--db", db, "--count"],
                ["sample", "--start", n, "--lines", "1", "--out", "s.log"],
                ["sample", "--lines", n, "--out", "s.log"],
                ["collect", "--metrics-port", n],
                ["collect", "--poll-ms", n],
                ["query", "", "--limit", n, "--db", db],
            ]
            try dir.write("e-\(n).yaml", "- query: \"start_time > now-\(n)y\"\n  reason: x\n")
            cases.append(["report", "--db", db, "--expected", "e-\(n).yaml"])
        }
        cases += [["collect", "--metrics-port", "65536"], ["collect", "--metrics-port", "-5"], ["collect", "--poll-ms", "0"]]
        for args in cases {
            let r = try flowq(args, cwd: dir.path)
            #expect(r.status == 0 || r.status == 2, "\(args): exit \(r.status)\n\(r.stderr.prefix(300))")
            #expect(!r.stderr.contains("Backtracing"), "\(args)")
        }
    }
}

/// Values from the log never change what a generated selector means.
@Suite struct FixInjectionTests {
    @Test func hostileLabelValuesNeverReachTheSuggestedFix() throws {
        let dir = TempDir()
        let hostile = #"app=x' || all() || app == 'y"#
        for node in try FileManager.default.contentsOfDirectory(atPath: Repo.sampleLogs("cluster")) {
            let text = try String(contentsOfFile: Repo.sampleLogs("cluster/\(node)/flows.log"), encoding: .utf8)
            try dir.write("logs/\(node)/flows.log", text.replacingOccurrences(of: "\"app=management-ui\"", with: JSONText(hostile)))
        }
        let i = try run(CLITests.flowq, ["ingest", "logs", "--db", "h.db"], cwd: dir.path)
        #expect(i.status == 0, "\(i.stderr)")
        let r = try run(CLITests.flowq, ["report", "--db", "h.db"], cwd: dir.path)
        #expect(r.status == 3, "\(r.stderr)")
        let selectors = r.stdout.split(separator: "\n").filter { $0.contains("selector:") }
        #expect(!selectors.isEmpty)
        for s in selectors {
            #expect(!s.contains("||") && !s.contains("all() ||") && !s.contains("x'"), "\(s)")
        }
        // The other, valid label of the same pods is kept.
        #expect(selectors.contains { $0.contains("role == 'management-ui'") })
    }

    func JSONText(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description
    }
}

/// `--db` that is not a flowq store is refused and left as it was.
@Suite(.enabled(if: Environment.has("sqlite3"), "makes a foreign database with the sqlite3 tool"))
struct ForeignDatabaseTests {
    @Test func anotherProgramsDatabaseIsRefusedUntouched() throws {
        let dir = TempDir()
        #expect(try run("/usr/bin/env", ["sqlite3", dir.file("other.db"), "CREATE TABLE t(a); INSERT INTO t VALUES (1);"]).status == 0)
        try dir.write("garbage.db", "not a database\n")
        try FileManager.default.createDirectory(atPath: dir.file("adir"), withIntermediateDirectories: true)
        try dir.write("a.log", #"{"action":"allow","dest_port":1}"# + "\n")
        for db in ["other.db", "garbage.db"] {
            let before = try Data(contentsOf: URL(fileURLWithPath: dir.file(db)))
            let r = try run(CLITests.flowq, ["ingest", "a.log", "--db", db, "--host", "h"], cwd: dir.path)
            #expect(r.status == 2 && r.stderr.contains("left untouched"), "\(r.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file(db))) == before)
            #expect(!FileManager.default.fileExists(atPath: dir.file(db + "-wal")))
        }
        let d = try run(CLITests.flowq, ["ingest", "a.log", "--db", "adir", "--host", "h"], cwd: dir.path)
        #expect(d.status == 2 && d.stderr.contains("is a directory"), "\(d.stderr)")
        let ok = try run(CLITests.flowq, ["ingest", "a.log", "--db", "mine.db", "--host", "h"], cwd: dir.path)
        let again = try run(CLITests.flowq, ["ingest", "a.log", "--db", "mine.db", "--host", "h"], cwd: dir.path)
        #expect(ok.status == 0 && again.status == 0, "\(again.stderr)")
    }
}
