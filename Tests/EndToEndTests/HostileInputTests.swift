import Foundation
import TestSupport
import Testing

/// Careless and hostile input at every entry point: exit 0 or 2 within a time bound, never a crash or a hang.
@Suite struct HostileInputTests {
    func flowq(_ args: [String], cwd: String) throws -> ProcessResult { try run(CLITests.flowq, args, cwd: cwd) }

    func store(_ dir: TempDir) throws -> String {
        let r = try flowq(["ingest", Repo.sampleLogs("cluster"), "--db", "s.db"], cwd: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        return "s.db"
    }

    /// A nine-level "billion laughs": 9^9 strings once expanded.
    static let laughs: String = {
        var y = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = Array("abcdefghi")
        for i in 1..<names.count {
            let p = names[i - 1]
            y += "\(names[i]): &\(names[i]) [" + Array(repeating: "*\(p)", count: 9).joined(separator: ",") + "]\n"
        }
        return y
    }()

    @Test func nestingAliasesAndDepthAtEveryEntryPoint() throws {
        let dir = TempDir()
        let db = try store(dir)
        let deep = String(repeating: "(", count: 40_000) + "a"
        let deepSelector = String(repeating: "(", count: 30_000) + "a == 'b'"
        let bangs = String(repeating: "!", count: 30_000) + "has(a)"
        let chain = Array(repeating: "a == 'b'", count: 5_000).joined(separator: " || ")
        try dir.write("laughs.yaml", Self.laughs)
        try dir.write("deep-expected.yaml", "- query: \"\(deep)\"\n  reason: x\n")
        try dir.write(
            "deep-policy.yaml",
            """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: deep}
            spec:
              selector: "\(deepSelector)"
              types: [Ingress]
            """)
        try dir.write("deep-yaml.yaml", String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000))
        let cases: [[String]] = [
            ["explain", deep],
            ["query", deep, "--db", db, "--count"],
            ["query", String(repeating: "(", count: 7_000) + "a", "--syntax", "lucene", "--db", db],
            ["query", String(repeating: "NOT ", count: 7_000) + "a", "--syntax", "lucene", "--db", db],
            ["selector", deepSelector],
            ["selector", bangs],
            ["selector", chain],
            ["report", "--db", db, "--expected", "laughs.yaml"],
            ["report", "--db", db, "--felix-config", "laughs.yaml"],
            ["report", "--db", db, "--expected", "deep-expected.yaml"],
            ["report", "--db", db, "--expected", "deep-yaml.yaml"],
            ["simulate", "--db", db, "--policies", "laughs.yaml"],
            ["simulate", "--db", db, "--policies", "deep-policy.yaml"],
            ["simulate", "--db", db, "--policies", "deep-yaml.yaml"],
            ["collect", "--db", "c.db", "--expected", "deep-expected.yaml", "--watch", "nowhere"],
        ]
        for args in cases {
            let started = Date()
            let r = try flowq(args, cwd: dir.path)
            let seconds = Date().timeIntervalSince(started)
            // `flowq selector` exits 1 for "no match"; the others 0 or 2.
            let allowed: Set<Int32> = args.first == "selector" ? [0, 1, 2] : [0, 2]
            #expect(allowed.contains(r.status), "\(args.map { String($0.prefix(40)) }): exit \(r.status)\n\(r.stderr.prefix(400))")
            #expect(!r.stderr.contains("Backtracing"), "\(args.map { String($0.prefix(40)) })")
            #expect(seconds < 20, "\(args.map { String($0.prefix(40)) }): \(seconds) s")
            #expect(r.stderr.count < 20_000, "a long input is not echoed whole")
        }
    }

    /// Only regular files are read; links are followed only when asked; a FIFO or a device never blocks.
    @Test func fifosDevicesAndSymlinksAreSkippedWithTheReason() throws {
        let dir = TempDir()
        try FileManager.default.createDirectory(atPath: dir.file("w/a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("w/b"), withIntermediateDirectories: true)
        #expect(mkfifo(dir.file("w/a/flows.log"), 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: dir.file("w/b/flows.log"), withDestinationPath: "/dev/zero")
        let secret = try dir.write("secret.log", #"{"action":"allow","dest_port":1}"# + "\n")
        chmod(secret, 0o600)
        try FileManager.default.createSymbolicLink(atPath: dir.file("w/b/flows-1.log"), withDestinationPath: secret)
        try dir.write("w/b/flows-2.log", #"{"action":"allow","dest_port":2}"# + "\n")
        let started = Date()
        let r = try flowq(["ingest", "w", "--db", "w.db"], cwd: dir.path)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 stored"), "\(r.stdout)")
        #expect(r.stderr.contains("flows.log: not a regular file") && r.stderr.contains("flows-1.log: a symbolic link"), "\(r.stderr)")
        let followed = try flowq(["ingest", "w", "--db", "w.db", "--follow-symlinks"], cwd: dir.path)
        #expect(followed.stdout.contains("1 stored"), "\(followed.stdout)")  // the secret, now that it was asked for
        for path in ["w/a/flows.log", "w/b/flows.log"] {
            let t0 = Date()
            let e = try flowq(["ingest", path, "--db", "w.db"], cwd: dir.path)
            #expect(Date().timeIntervalSince(t0) < 10)
            #expect(e.status == 2 && e.stderr.contains("only regular files are read"), "\(e.stderr)")
        }
    }

    @Test func byteOrderMarkIsNotARejectedLine() throws {
        let dir = TempDir()
        try dir.write("bom.log", bytes: [0xEF, 0xBB, 0xBF] + Array(#"{"action":"allow","dest_port":7}"#.utf8) + [10])
        let r = try flowq(["ingest", "bom.log", "--db", "b.db", "--host", "h", "--strict"], cwd: dir.path)
        #expect(r.status == 0 && r.stdout.contains("1 stored, 0 rejected"), "\(r.stdout)\(r.stderr)")
        let q = try flowq(["query", "dest_port:7", "--db", "b.db", "--count"], cwd: dir.path)
        #expect(q.stdout == "1\n")
    }

    /// A line of 200,000 unknown keys decodes in linear time (a search per key made it quadratic: minutes).
    @Test func manyUnknownKeysAreLinear() throws {
        let dir = TempDir()
        let keys = (0..<200_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        try dir.write("keys.log", #"{"action":"allow","k7":"first","#  + keys + "}\n")
        let started = Date()
        let r = try flowq(["ingest", "keys.log", "--db", "k.db", "--max-line-length", "16777216", "--strict"], cwd: dir.path)
        #expect(r.status == 0 && r.stdout.contains("1 stored"), "\(r.stdout)\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 15)
        // The last of duplicate keys wins, as in Go and JavaScript.
        let q = try flowq(["query", "", "--db", "k.db", "--fields", "extra.k7,extra.k199999", "--format", "ndjson"], cwd: dir.path)
        #expect(q.stdout == #"{"extra.k7":7,"extra.k199999":199999}"# + "\n", "\(q.stdout.prefix(200))")
    }

    /// Every reject is counted by reason; only the first 1,000 of each reason per file are stored, over all runs.
    @Test(.enabled(if: Environment.has("sqlite3"), "reads the tables with the sqlite3 tool"))
    func rejectsAreAllCountedAndBoundedInStorage() throws {
        let dir = TempDir()
        let good = #"{"action":"allow","dest_port":1}"#
        let text = String(repeating: "\n", count: 300_000) + "{not json\n" + good + "\n" + String(repeating: "[1]\n", count: 1_500)
        let path = try dir.write("bad.log", text)
        let r = try flowq(["ingest", "bad.log", "--db", "r.db"], cwd: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 stored, 301501 rejected"), "\(r.stdout)")
        #expect(r.stdout.contains("empty_line 300000") && r.stdout.contains("not_an_object 1500"), "\(r.stdout)")
        #expect(r.stdout.contains("first 1000 of each reason"), "\(r.stdout)")
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data(String(repeating: "\n", count: 5_000).utf8))
        try h.close()
        let again = try flowq(["ingest", "bad.log", "--db", "r.db"], cwd: dir.path)
        #expect(again.stdout.contains("5000 rejected"), "\(again.stdout)")
        let rows = try run("/usr/bin/env", ["sqlite3", dir.file("r.db"), "SELECT code, count(*) FROM reject GROUP BY code ORDER BY code; SELECT code, count FROM reject_count ORDER BY code"])
        #expect(rows.stdout == "empty_line|1000\ninvalid_json|1\nnot_an_object|1000\nempty_line|305000\ninvalid_json|1\nnot_an_object|1500\n", "\(rows.stdout)")
    }

    /// A NUL character inside a JSON string is stored, matched and printed whole (GRDB's C strings cut it).
    @Test func nulCharactersAreKeptWhole() throws {
        let dir = TempDir()
        try dir.write(
            "nul.log",
            #"{"action":"allow","dest_port":80,"source_name":"yao\u0000bank","source_namespace":"ns\u0000x","source_name_aggr":"a\u0000b","source_type":"wep","source_labels":{"labels":["app=a\u0000b"]}}"# + "\n")
        #expect(try flowq(["ingest", "nul.log", "--db", "n.db", "--host", "h", "--strict"], cwd: dir.path).status == 0)
        let q = try flowq(
            ["query", "", "--db", "n.db", "--fields", "source_name,source_namespace,source_name_aggr", "--format", "ndjson"], cwd: dir.path)
        #expect(q.stdout == #"{"source_name":"yao\u0000bank","source_namespace":"ns\u0000x","source_name_aggr":"a\u0000b"}"# + "\n", "\(q.stdout)")
        for (query, count) in [(#"source_name:"yao\u0000bank""#, "1"), ("source_name:yao", "0"), ("source_namespace:ns", "0"),
                               (#"source_namespace:"ns\u0000x""#, "1")] {
            let c = try flowq(["query", query, "--db", "n.db", "--count"], cwd: dir.path)
            #expect(c.stdout == count + "\n", "\(query): \(c.stdout)\(c.stderr)")
        }
        let g = try flowq(["query", "", "--db", "n.db", "--group-by", "source_namespace", "--format", "json"], cwd: dir.path)
        #expect(g.stdout.contains(#"ns\u0000x"#), "\(g.stdout)")
    }

    /// An `extra.KEY` name is a JSON path inside SQL: a quote in it is an unknown field, never SQL.
    @Test func extraKeysCannotInjectSQL() throws {
        let dir = TempDir()
        let db = try store(dir)
        for args in [["--sort", "extra.a') DESC, (SELECT 1"], ["--group-by", "extra.a\"b"], ["--fields", "extra.x'"]] {
            let r = try flowq(["query", "", "--db", db] + args, cwd: dir.path)
            #expect(r.status == 2 && r.stderr.contains("[query.unknown_field]") && r.stderr.contains("unknown field"), "\(args): \(r.stderr)")
        }
    }

    /// Values Calico itself refuses are refused with the file and line; an empty file is not "no policies".
    @Test func policyValuesCalicoRefusesAreErrors() throws {
        let dir = TempDir()
        let db = try store(dir)
        func policy(order: String = "10", ports: String = "[80]") -> String {
            """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: p}
            spec:
              order: \(order)
              selector: all()
              types: [Ingress]
              ingress:
              - action: Allow
                protocol: TCP
                destination: {ports: \(ports)}
            """
        }
        let cases: [(String, String)] = [
            (policy(ports: "[99999]"), "p.yaml:11: ports: 99999 is not a port"),
            (policy(ports: "[-1]"), "p.yaml:11: ports: -1 is not a port"),
            (policy(ports: #"["9:3"]"#), "p.yaml:11: ports: 9:3 is not a port range"),
            (policy(ports: "[Not_A_Name]"), "neither a port"),
            (policy(order: ".nan"), "p.yaml:5: order must be a finite number"),
            (policy(order: "-.inf"), "order must be a finite number"),
            ("", "p.yaml:1: holds no Calico resources"),
            ("a: 1\nb: 2\na: 3\n", "p.yaml:3: invalid YAML: duplicate key 'a'"),
        ]
        for (yaml, message) in cases {
            try dir.write("p.yaml", yaml)
            let r = try flowq(["simulate", "--db", db, "--policies", "p.yaml"], cwd: dir.path)
            #expect(r.status == 2 && r.stderr.contains("[policy.invalid]") && r.stderr.contains(message), "\(message): \(r.stderr)")
        }
        try dir.write("p.yaml", policy(ports: #"[80, "8000:8080", http]"#))
        #expect(try flowq(["simulate", "--db", db, "--policies", "p.yaml"], cwd: dir.path).status != 2)
    }

    /// Numeric edges fed to every entry point that takes a number (flags, KQL, Lucene, expected files, policy and
    /// Felix configuration files): each run ends with a documented exit code within the time bound, never a trap.
    @Test func numericEdgesAtEveryEntryPoint() throws {
        let dir = TempDir()
        let db = try store(dir)
        let edges = ["9223372036854775807", "-9223372036854775808", "99999999999999999999", "-1", "0", "1e309", "NaN", "0x1F"]
        func policy(_ v: String) -> String {
            """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: p}
            spec:
              order: \(v)
              selector: all()
              ingress: [{action: Allow, protocol: TCP, destination: {ports: [\(v)]}}]
            """
        }
        let felix = { (v: String) in "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {failsafeInboundHostPorts: [{protocol: tcp, port: \(v)}]}\n" }
        // Verdict exit codes are fine (0, 3, 4), as is 1 for --strict; a collector that accepted its flags runs until
        // `timeout` stops it (124).
        let templates: [(name: String, args: (String) throws -> [String], codes: Set<Int32>)] = [
            ("kql value", { ["query", "dest_port:\($0)", "--db", db, "--count"] }, [0, 2]),
            ("kql range", { ["query", "start_time > \($0)", "--db", db, "--count"] }, [0, 2]),
            ("kql date math", { ["query", "start_time > now-\($0)y", "--db", db, "--count"] }, [0, 2]),
            ("lucene range", { ["query", "dest_port:[\($0) TO \($0)]", "--syntax", "lucene", "--db", db, "--count"] }, [0, 2]),
            ("since", { ["query", "", "--since", $0, "--db", db, "--count"] }, [0, 2]),
            ("until", { ["query", "", "--until", "now+\($0)s", "--db", db, "--count"] }, [0, 2]),
            ("limit", { ["query", "", "--limit", $0, "--db", db] }, [0, 2]),
            ("sample start", { ["sample", "--start", $0, "--lines", "3", "--out", dir.file("s/\(UUID().uuidString).log")] }, [0, 2]),
            ("sample lines", { ["sample", "--lines", $0, "--out", dir.file("s/\(UUID().uuidString).log")] }, [0, 2]),
            ("sample hours", { ["sample", "--hours", $0, "--lines", "3", "--out", dir.file("s/\(UUID().uuidString).log")] }, [0, 2]),
            ("max line length", { ["ingest", Repo.sampleLogs("cluster"), "--db", dir.file("i.db"), "--max-line-length", $0] }, [0, 2]),
            ("min window", { ["report", "--db", db, "--min-window=\($0)h"] }, [0, 2, 3, 4]),
            ("expected", { v in
                let f = try dir.write("e-\(UUID().uuidString).yaml", "- query: \"dest_port > \(v)\"\n  reason: r\n")
                return ["report", "--db", db, "--expected", f] }, [0, 2, 3, 4]),
            ("policy", { v in ["simulate", "--db", db, "--policies", try dir.write("p-\(UUID().uuidString).yaml", policy(v))] }, [0, 2, 3, 4]),
            ("felix", { v in ["report", "--db", db, "--felix-config", try dir.write("f-\(UUID().uuidString).yaml", felix(v))] }, [0, 2, 3, 4]),
            ("metrics port", { ["collect", "--db", dir.file("c.db"), "--watch", "nowhere", "--metrics-port", $0] }, [2, 124]),
            ("poll ms", { ["collect", "--db", dir.file("c.db"), "--watch", "nowhere", "--poll-ms", $0] }, [2, 124]),
            ("batch lines", { ["collect", "--db", dir.file("c.db"), "--watch", "nowhere", "--batch-lines", $0] }, [2, 124]),
        ]
        try FileManager.default.createDirectory(atPath: dir.file("s"), withIntermediateDirectories: true)
        for t in templates {
            for v in edges {
                let args = try t.args(v)
                let started = Date()
                let r = try run("/usr/bin/env", ["timeout", "-s", "TERM", "3", CLITests.flowq] + args, cwd: dir.path)
                let seconds = Date().timeIntervalSince(started)
                #expect(t.codes.contains(r.status), "\(t.name) \(v): exit \(r.status)\n\(r.stderr.prefix(300))")
                #expect(!r.stderr.contains("Backtrac") && !r.stderr.contains("Fatal error"), "\(t.name) \(v): \(r.stderr.prefix(300))")
                #expect(r.status != 2 || r.stderr.lowercased().contains("error"), "\(t.name) \(v): exit 2 says why")
                #expect(seconds < 20, "\(t.name) \(v): \(seconds) s")
            }
        }
    }
}
