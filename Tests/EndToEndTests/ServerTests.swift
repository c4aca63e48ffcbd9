import Foundation
import TestSupport
import Testing

/// `flowq serve` over real sockets: the API against the CLI, errors as problems, Goldmane's emitter, tokens,
/// limits, slow and idle clients, shutdown.
@Suite(.serialized, .enabled(if: Environment.has("curl"), "talks to the server with curl"))
struct ServerTests {
    static let flowq = CLITests.flowq

    /// SampleLogs in a store of the test's own.
    static func sampleStore(_ dir: TempDir) throws -> String {
        let db = dir.file("s.db")
        let r = try run(flowq, ["ingest", Repo.sampleLogs(), "--db", db])
        precondition(r.status == 0, r.stderr)
        return db
    }

    static func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    static func escaped(_ q: String) -> String {
        q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q
    }

    @Test func apiGivesTheCLIsAnswers() throws {
        let dir = TempDir()
        let db = try Self.sampleStore(dir)
        let server = try RunningServer(db: db, in: dir)
        let queries = [
            "", "action:deny", "dest_port:53", #"policies:{pending_policies: *default-deny*} and action:"allow""#,
            "source_namespace:kube-system or dest_port >= 1000", "not reporter:src and proto:udp",
        ]
        for q in queries {
            let cli = try run(Self.flowq, ["query", q, "--db", db, "--count"])
            let api = try server.get("/api/v1/count?q=\(Self.escaped(q))")
            #expect(api.status == 200)
            #expect(api.body == "{\"count\":\(cli.stdout.trimmingCharacters(in: .whitespacesAndNewlines))}", "\(q)")
        }
        for (q, extra) in [("action:deny", ""), ("dest_port:53", "&sort=start_time:desc"), ("", "&fields=host,dest_port,policies.pending_policies")] {
            var args = ["query", q, "--db", db, "--limit", "1000", "--format", "ndjson"]
            if extra.contains("sort") { args += ["--sort", "start_time:desc"] }
            if extra.contains("fields") { args += ["--fields", "host,dest_port,policies.pending_policies"] }
            let cli = try run(Self.flowq, args)
            let api = try server.get("/api/v1/flows?q=\(Self.escaped(q))&limit=1000&format=ndjson\(extra)")
            #expect(api.status == 200)
            #expect(api.body + "\n" == cli.stdout, "\(q) \(extra)")
            #expect(!api.body.isEmpty)
        }
        // The histogram adds up to the count, from the roll-up (connection-level query) and from the lines (a per-line
        // field, or a time bound); the two paths agree bucket by bucket at hourly buckets.
        func histogram(_ q: String, _ extra: String = "") throws -> (sum: Int, buckets: [[Int]]) {
            let o = Self.object(try server.get("/api/v1/histogram?q=\(Self.escaped(q))&buckets=1000\(extra)").body)
            let b = (o["buckets"] as? [[Int]]) ?? []
            return (b.reduce(0) { $0 + $1[1] }, b)
        }
        for q in ["action:deny", "bytes_in >= 0 and action:deny", ""] {
            let count = Int(Self.object(try server.get("/api/v1/count?q=\(Self.escaped(q))").body)["count"] as? Int ?? -1)
            #expect(try histogram(q).sum == count, "\(q)")
            #expect(try histogram(q, "&since=2000-01-01T00:00:00Z").sum == count, "\(q) over the lines")
        }
        let hourly = Dictionary(try histogram("action:deny", "&since=2026-11-23T00:00:00Z").buckets.map { ($0[0] / 3600 * 3600, $0[1]) }, uniquingKeysWith: +)
        let rollup = Dictionary(try histogram("action:deny").buckets.map { ($0[0], $0[1]) }, uniquingKeysWith: +)
        #expect(rollup == hourly && !rollup.isEmpty)
        let array = try server.get("/api/v1/flows?q=action:deny&limit=3&format=json")
        #expect(((try JSONSerialization.jsonObject(with: Data(array.body.utf8))) as? [Any])?.count == 3)
        let groupsCLI = try run(Self.flowq, ["query", "action:deny", "--db", db, "--group-by", "dest_namespace,dest_port", "--format", "json"])
        let groupsAPI = try server.get("/api/v1/groups?q=action:deny&by=dest_namespace,dest_port")
        let apiGroups = Self.object(groupsAPI.body)["groups"] as? [[String: Any]]
        let cliGroups = (try JSONSerialization.jsonObject(with: Data(groupsCLI.stdout.utf8))) as? [[String: Any]]
        #expect(apiGroups?.count == cliGroups?.count && (apiGroups?.count ?? 0) > 0)
        #expect(apiGroups.map { NSArray(array: $0) } == cliGroups.map { NSArray(array: $0) })
        #expect(try server.get("/api/v1/fields").body + "\n" == run(Self.flowq, ["fields", "--json"]).stdout)
        let explain = Self.object(try server.get("/api/v1/explain?q=dest_port%3E%3D53").body)
        #expect((explain["sql"] as? String)?.contains("dest_port >= ?") == true)
        // The report: the same verdict and connections as `flowq report`.
        let cliReport = Self.object(try run(Self.flowq, ["report", "--db", db, "--format", "json", "--min-window", "1h"]).stdout)
        let apiReport = try server.get("/api/v1/report?format=json&min_window=1h")
        let report = Self.object(apiReport.body)
        #expect(report["verdict"] as? String == "NOT READY")
        #expect(report["verdict"] as? String == cliReport["verdict"] as? String)
        #expect((report["connections"] as? [Any])?.count == (cliReport["connections"] as? [Any])?.count)
        #expect(try server.get("/api/v1/report?format=md").body.hasPrefix("# "))
        #expect(try server.get("/api/v1/report?format=html").body.contains("<html"))
        // Simulate: policy YAML in the body.
        let policy = dir.file("allow.yaml")
        try """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: deny-all}
            spec: {selector: all(), types: [Ingress, Egress]}
            """.write(toFile: policy, atomically: true, encoding: .utf8)
        let cliSim = Self.object(try run(Self.flowq, ["simulate", "--policies", policy, "--db", db, "--format", "json", "--min-window", "1h"]).stdout)
        let apiSim = Self.object(try server.post("/api/v1/simulate?format=json&min_window=1h", file: policy).body)
        #expect(apiSim["verdict"] as? String == cliSim["verdict"] as? String)
        #expect((apiSim["connections"] as? [Any])?.count == (cliSim["connections"] as? [Any])?.count)
        #expect(((apiSim["connections"] as? [Any])?.count ?? 0) > 0)
    }

    @Test func errorsAreProblemsWithCodes() throws {
        let dir = TempDir()
        let db = try Self.sampleStore(dir)
        let server = try RunningServer(db: db, in: dir)
        func problem(_ path: String, _ status: Int, _ code: String, file: String? = nil) throws -> [String: Any] {
            let r = try file.map { try server.post(path, file: $0) } ?? server.get(path)
            let o = Self.object(r.body)
            #expect(r.status == status, "\(path): \(r.body)")
            #expect(o["code"] as? String == code, "\(path): \(r.body)")
            #expect(o["status"] as? Int == status && o["detail"] is String, "\(path): \(r.body)")
            return o
        }
        #expect(try problem("/api/v1/count?q=action:(deny", 400, "query.syntax")["offset"] as? Int == 12)
        #expect(try problem("/api/v1/flows?q=nosuchfield:1", 400, "query.unknown_field")["offset"] as? Int == 0)
        _ = try problem("/api/v1/flows?limit=-1", 400, "api.bad_parameter")
        _ = try problem("/api/v1/flows?format=xml", 400, "api.bad_parameter")
        _ = try problem("/api/v1/flows?fields=nope", 400, "query.unknown_field")
        _ = try problem("/api/v1/count?since=yesterday-ish", 400, "query.bad_time")
        _ = try problem("/api/v1/groups", 400, "api.missing_parameter")
        _ = try problem("/api/v1/nope", 404, "http.not_found")
        let broken = dir.file("broken.yaml")
        try "kind: GlobalNetworkPolicy\nmetadata: {name: x}\nspec: {ingress: [{action: Allow, destination: {ports: [70000]}}]}\n"
            .write(toFile: broken, atomically: true, encoding: .utf8)
        _ = try problem("/api/v1/simulate", 400, "policy.invalid", file: broken)
        // No endpoint but the ingest ones writes: a POST elsewhere is refused.
        _ = try problem("/api/v1/count", 405, "http.method_not_allowed", file: broken)
        // A large body sent after `Expect: 100-continue` (curl and URLSession do so above 1 MiB) gets its 100 at once.
        let large = dir.file("large.yaml")
        try String(repeating: "# padding\n", count: 250_000).write(toFile: large, atomically: true, encoding: .utf8)
        let t0 = Date()
        let verbose = try run("/usr/bin/env", ["curl", "-sv", "-o", "/dev/null", "--data-binary", "@\(large)", "http://127.0.0.1:\(server.port)/api/v1/simulate"])
        #expect(verbose.stderr.contains("< HTTP/1.1 100 Continue") && verbose.stderr.contains("< HTTP/1.1 400"), "\(verbose.stderr.suffix(600))")
        #expect(Date().timeIntervalSince(t0) < 0.9)
        let head = try run("/usr/bin/env", ["curl", "-s", "-D", "-", "-o", "/dev/null", "http://127.0.0.1:\(server.port)/api/v1/nope"])
        #expect(head.stdout.lowercased().contains("content-type: application/problem+json"))
    }

    /// Answers are kept while the store is unchanged and never given once another process has committed; a question
    /// about "now" is always computed; `--cache-mb 0` keeps nothing.
    @Test func answersAreKeptUntilTheStoreChanges() throws {
        let dir = TempDir()
        let db = dir.file("s.db")
        #expect(try run(Self.flowq, ["ingest", Repo.sampleLogs("cluster/ip-10-0-1-20.eu-west-1.compute.internal"), "--db", db]).status == 0)
        let server = try RunningServer(db: db, in: dir)
        func cli(_ q: String) throws -> String {
            "{\"count\":" + (try run(Self.flowq, ["query", q, "--db", db, "--count"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) + "}\n"
        }
        let paths = ["/api/v1/count?q=action:allow", "/api/v1/flows?q=dest_port:53&limit=10000", "/api/v1/groups?by=dest_namespace"]
        var first: [String] = []
        for path in paths {
            let a = try server.get(path, header: "X-Flowq-Cache")
            let b = try server.get(path, header: "X-Flowq-Cache")
            #expect(a.header == "miss" && b.header == "hit", "\(path)")
            #expect(a.body == b.body && !a.body.isEmpty, "\(path)")
            first.append(a.body)
        }
        #expect(first[0] == (try cli("action:allow")))
        // Another process commits: no kept answer is given again.
        #expect(try run(Self.flowq, ["ingest", Repo.sampleLogs("cluster/ip-10-0-1-30.eu-west-1.compute.internal"), "--db", db]).status == 0)
        for (k, path) in paths.enumerated() {
            let a = try server.get(path, header: "X-Flowq-Cache")
            #expect(a.header == "miss" && a.body != first[k], "\(path)")
            #expect(try server.get(path, header: "X-Flowq-Cache").header == "hit", "\(path)")
        }
        #expect(try server.get(paths[0], header: "X-Flowq-Cache").body == (try cli("action:allow")))
        // Relative times and date math depend on the moment of the request: computed every time.
        for path in ["/api/v1/count?since=87600h", "/api/v1/count?q=\(Self.escaped("end_time >= now-10y"))"] {
            #expect(try server.get(path, header: "X-Flowq-Cache").header == "miss")
            #expect(try server.get(path, header: "X-Flowq-Cache").header == "miss")
        }
        let uncached = try RunningServer(db: db, in: dir, extra: ["--cache-mb", "0"])
        #expect(try uncached.get(paths[0], header: "X-Flowq-Cache").header == "miss")
        #expect(try uncached.get(paths[0], header: "X-Flowq-Cache").header == "miss")
    }

    @Test func goldmaneBodyIsStoredOnceAndReported() throws {
        let dir = TempDir()
        let db = dir.file("g.db")
        let server = try RunningServer(db: db, in: dir)
        let body = Repo.root.appendingPathComponent("Tests/Fixtures/goldmane/emitter-body.ndjson").path
        let next = Repo.root.appendingPathComponent("Tests/Fixtures/goldmane/emitter-body-next.ndjson").path
        let ndjson = ["Content-Type: application/x-ndjson"]
        let first = Self.object(try server.post("/api/v1/flows/bulk", file: body, headers: ndjson).body)
        #expect(first["stored"] as? Int == 7 && first["duplicate"] as? Bool == false, "\(first)")
        for _ in 0..<2 {
            let again = Self.object(try server.post("/api/v1/flows/bulk", file: body, headers: ndjson).body)
            #expect(again["stored"] as? Int == 0 && again["duplicate"] as? Bool == true, "\(again)")
        }
        #expect(Self.object(try server.post("/api/v1/flows/bulk", file: next, headers: ndjson).body)["stored"] as? Int == 7)
        // A body with a broken flow: the rest is stored, the broken one is a reject with its reason.
        let mixed = dir.file("mixed.ndjson")
        let lines = try String(contentsOfFile: next, encoding: .utf8).split(separator: "\n")
        try ([String(lines[0]).replacingOccurrences(of: "1795392300", with: "1795392600"), "{\"Key\":{\"source_type\":9}}", "not json"]
            .joined(separator: "\n")).write(toFile: mixed, atomically: true, encoding: .utf8)
        let m = Self.object(try server.post("/api/v1/flows/bulk", file: mixed, headers: ndjson).body)
        #expect(m["stored"] as? Int == 1 && m["rejected"] as? Int == 2, "\(m)")
        #expect(try server.get("/api/v1/count").body == "{\"count\":15}")
        // KQL sees Goldmane's traces as flow-log lines.
        #expect(try server.get("/api/v1/count?q=\(Self.escaped("policies:{pending_policies: *sgnp\\:default-deny*}"))").body == "{\"count\":3}")
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        let report = try run(Self.flowq, ["report", "--db", db, "--format", "json", "--min-window", "0h"])
        #expect(report.status == 3, "\(report.stderr)")
        let connections = Self.object(report.stdout)["connections"] as? [[String: Any]] ?? []
        let breaking = connections.filter { $0["classification"] as? String == "would_break" }
        #expect(breaking.count == 1, "\(connections)")
        #expect((breaking.first?["destination"] as? [String: Any])?["name"] as? String == "backend-7d4b9c6f8-*")
        #expect(CollectorTests.sql(db, "SELECT code FROM reject ORDER BY line") == "goldmane.invalid_flow\ngoldmane.not_an_object")
    }

    /// A large body is stored in parts, each with the body's checkpoint: the server killed (SIGKILL) while storing
    /// it, Goldmane's retry of the same body stores the rest, and every flow is stored once.
    @Test func goldmaneBodyCutShortByACrashIsResumedByTheRetry() throws {
        let dir = TempDir()
        let db = dir.file("g.db")
        let fixture = try String(
            contentsOf: Repo.root.appendingPathComponent("Tests/Fixtures/goldmane/emitter-body.ndjson"), encoding: .utf8
        ).split(separator: "\n")[0]
        let ndjson = ["Content-Type: application/x-ndjson"]
        var expected = 0
        var cut: [Int] = []  // flows of the body stored before each crash
        for round in 0..<3 {
            // 12,000 distinct flows (five parts), a new bucket each round.
            let body = dir.file("body-\(round).ndjson")
            try (0..<12_000).map { i in
                fixture.replacingOccurrences(of: "\"dest_port\":8080", with: "\"dest_port\":\(1_000 + i)")
                    .replacingOccurrences(of: "1795392000", with: "\(1_795_392_000 + round * 300)")
            }.joined(separator: "\n").write(toFile: body, atomically: true, encoding: .utf8)
            let server = try RunningServer(db: db, in: dir)
            let post = try CollectorTests.launch(
                "/usr/bin/env", ["curl", "-s", "-m", "60", "--data-binary", "@\(body)", "-H", ndjson[0], "http://127.0.0.1:\(server.port)/api/v1/flows/bulk"],
                log: dir.file("post-\(round).log"))
            if round == 1 {
                // As soon as the first part of this body is committed.
                let deadline = Date().addingTimeInterval(30)
                while (Int(CollectorTests.sql(db, "SELECT count(*) FROM flow")) ?? 0) <= expected, Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.01)
                }
            } else {
                Thread.sleep(forTimeInterval: [0.2, 0, 3][round])
            }
            kill(server.process.processIdentifier, SIGKILL)
            server.process.waitUntilExit()
            post.waitUntilExit()
            let before = Int(CollectorTests.sql(db, "SELECT count(*) FROM flow")) ?? -1
            cut.append(before - expected)
            let restarted = try RunningServer(db: db, in: dir)
            let retry = Self.object(try restarted.post("/api/v1/flows/bulk", file: body, headers: ndjson).body)
            expected += 12_000
            #expect(retry["stored"] as? Int == expected - before, "round \(round): \(before) before the retry, \(retry)")
            #expect(try restarted.get("/api/v1/count").body == "{\"count\":\(expected)}")
            let replay = Self.object(try restarted.post("/api/v1/flows/bulk", file: body, headers: ndjson).body)
            #expect(replay["duplicate"] as? Bool == true && replay["stored"] as? Int == 0, "\(replay)")
            kill(restarted.process.processIdentifier, SIGTERM)
            restarted.process.waitUntilExit()
        }
        // At least one crash fell between two parts of a body (the kills are spread over the time a post takes).
        #expect(cut.contains { $0 > 0 && $0 < 12_000 }, "\(cut)")
    }

    @Test func tokensAndScopes() throws {
        let dir = TempDir()
        let db = try Self.sampleStore(dir)
        let tokens = dir.file("tokens")
        try "# reader and shipper\nread-token-0123456789 read\ningest-token-0123456789 ingest\n"
            .write(toFile: tokens, atomically: true, encoding: .utf8)
        let server = try RunningServer(db: db, in: dir, extra: ["--token-file", tokens])
        let body = Repo.root.appendingPathComponent("Tests/Fixtures/goldmane/emitter-body.ndjson").path
        func code(_ r: (body: String, status: Int)) -> String { Self.object(r.body)["code"] as? String ?? "\(r.status) \(r.body)" }
        #expect(try server.get("/healthz").status == 200)
        #expect(code(try server.get("/api/v1/count")) == "auth.missing_token")
        #expect(try server.get("/api/v1/count").status == 401)
        #expect(code(try server.get("/api/v1/count", headers: ["Authorization: Bearer nope-nope-nope-nope"])) == "auth.bad_token")
        #expect(try server.get("/api/v1/count", headers: ["Authorization: Bearer read-token-0123456789"]).status == 200)
        #expect(code(try server.get("/api/v1/count", headers: ["Authorization: Bearer ingest-token-0123456789"])) == "auth.wrong_scope")
        #expect(code(try server.post("/api/v1/flows/bulk", file: body, headers: ["Authorization: Bearer read-token-0123456789"])) == "auth.wrong_scope")
        #expect(try server.post("/api/v1/flows/bulk", file: body, headers: ["Authorization: Bearer ingest-token-0123456789"]).status == 200)
        #expect(try server.get("/metrics", headers: ["Authorization: Bearer read-token-0123456789"]).status == 200)
        // A token file with a mistake stops the server before it listens, naming the line (never the token).
        try "short read\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        let bad = try run(Self.flowq, ["serve", "--db", db, "--listen", "127.0.0.1:0", "--token-file", tokens])
        #expect(bad.status == 2 && bad.stderr.contains("serve.bad_token_file") && bad.stderr.contains("\(tokens):1"), "\(bad.stderr)")
        #expect(!bad.stderr.contains("short"))
    }

    @Test func limitsIdleAndSlowClients() throws {
        let dir = TempDir()
        let db = try Self.sampleStore(dir)
        let server = try RunningServer(db: db, in: dir, extra: ["--max-body-bytes", "2048", "--idle-timeout", "2s"])
        let big = dir.file("big.ndjson")
        try String(repeating: "x", count: 4096).write(toFile: big, atomically: true, encoding: .utf8)
        let tooLarge = try server.post("/api/v1/flows/bulk", file: big)
        #expect(tooLarge.status == 413 && Self.object(tooLarge.body)["code"] as? String == "http.body_too_large", "\(tooLarge)")
        // 200 idle connections and a slow client do not keep /healthz from answering.
        let idle = (0..<200).compactMap { _ in RawClient(port: server.port) }
        #expect(idle.count == 200)
        let slow = RawClient(port: server.port)!
        slow.send("GET /healthz HTTP/1.1\r\nHo")
        for _ in 0..<5 {
            let start = Date()
            #expect(try server.get("/healthz").status == 200)
            #expect(Date().timeIntervalSince(start) < 1)
        }
        // The slow client is dropped after the idle timeout.
        #expect(slow.closedByServer(within: 6))
        kill(server.process.processIdentifier, SIGTERM)
        let start = Date()
        server.process.waitUntilExit()
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(server.process.terminationStatus == 0)
    }

    @Test(.enabled(if: ServerTests.hasIPv6Loopback, "no IPv6 loopback here"))
    func listensOnIPv6() throws {
        let dir = TempDir()
        let db = try Self.sampleStore(dir)
        let server = try RunningServer(db: db, in: dir, host: "::1")
        #expect(try server.get("/healthz", host: "::1").status == 200)
        #expect(try server.get("/api/v1/count?q=action:deny", host: "::1").body == "{\"count\":46}")
    }

    static var hasIPv6Loopback: Bool {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in6()
        addr.sin6_family = sa_family_t(AF_INET6)
        addr.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        } == 0
    }

    /// Every documented path is called, and each response (success and problem) conforms to `Schemas/openapi.json`.
    @Test(.enabled(if: Environment.has("python3"), "validates with python3's jsonschema"))
    func responsesConformToTheOpenAPIDocument() throws {
        let dir = TempDir()
        let db = try Self.sampleStore(dir)
        let server = try RunningServer(db: db, in: dir)
        let policy = dir.file("p.yaml")
        try "kind: GlobalNetworkPolicy\nmetadata: {name: deny-all}\nspec: {selector: all()}\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let goldmane = Repo.root.appendingPathComponent("Tests/Fixtures/goldmane/emitter-body.ndjson").path
        // A node agent's batch: its header, then one good line and one that is not a flow-log line (rejected).
        let good = try String(contentsOf: Repo.root.appendingPathComponent("SampleLogs/edge-cases/era-v2.log"), encoding: .utf8)
            .split(separator: "\n")[0] + "\n"
        let lines = good + "[1]\n"
        let header = #"{"fingerprint":"abc-12","path":"/var/log/calico/flowlogs/flows.log","fromOffset":0,"offset":"#
            + "\(lines.utf8.count),\"lines\":2,\"complete\":false,\"overridingLines\":false,\"rejectCounts\":{},\"rejects\":[],"
            + "\"runs\":[{\"offset\":0,\"line\":0,\"length\":\(lines.utf8.count)}],\"lineCount\":2}\n"
        let batch = dir.file("batch.ndjson")
        try (header + lines).write(toFile: batch, atomically: true, encoding: .utf8)
        let calls: [(String, String, String?)] = [
            ("GET", "/api/v1/flows?q=action:deny&limit=5", nil), ("GET", "/api/v1/flows?limit=2&format=json&fields=host,dest_port", nil),
            ("GET", "/api/v1/flows?q=bad:(", nil), ("GET", "/api/v1/count?q=dest_port:53", nil), ("GET", "/api/v1/count?since=soon", nil),
            ("GET", "/api/v1/groups?by=action,dest_port", nil), ("GET", "/api/v1/groups", nil), ("GET", "/api/v1/fields", nil),
            ("GET", "/api/v1/explain?q=action:deny", nil), ("GET", "/api/v1/report?min_window=1h", nil), ("GET", "/api/v1/report?format=md", nil),
            ("POST", "/api/v1/simulate?min_window=1h", policy), ("POST", "/api/v1/flows/bulk", goldmane), ("GET", "/metrics", nil),
            ("GET", "/healthz", nil), ("GET", "/readyz", nil), ("GET", "/api/v1/checkpoints?node=n1&fingerprint=abc-12", nil),
            ("GET", "/api/v1/checkpoints?fingerprint=abc-12", nil), ("POST", "/api/v1/batches?node=n1", policy),
            ("POST", "/api/v1/batches?node=n1", batch),
            ("GET", "/api/v1/histogram?q=action:deny", nil), ("GET", "/api/v1/histogram?q=dest_port:53&since=2026-11-23T00:00:00Z", nil),
            ("GET", "/api/v1/selector?s=app%3D%3D%27web%27&labels=app=web", nil), ("GET", "/api/v1/selector?s=app%3D%3D", nil), ("GET", "/", nil),
        ]
        var cases: [[String: Any]] = []
        for (i, (method, path, file)) in calls.enumerated() {
            let body = dir.file("body-\(i)")
            var args = ["curl", "-s", "-o", body, "-w", "%{content_type}\n%{http_code}", "-X", method]
            if let file { args += ["--data-binary", "@\(file)"] }
            let r = try run("/usr/bin/env", args + ["http://127.0.0.1:\(server.port)\(path)"])
            let parts = r.stdout.split(separator: "\n")
            cases.append([
                "method": method, "path": String(path.split(separator: "?")[0]), "status": Int(parts.last ?? "") ?? 0,
                "content_type": parts.count > 1 ? String(parts[0]) : "", "body_file": body,
            ])
        }
        let batchAnswer = try String(contentsOfFile: dir.file("body-\(calls.firstIndex { $0.2 == batch }!)"), encoding: .utf8)
        #expect(batchAnswer.contains(#""rejected":{"not_an_object":1}"#), "\(batchAnswer)")
        let casesFile = dir.file("cases.json")
        try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: casesFile))
        let check = try run("/usr/bin/env", [
            "python3", Repo.root.appendingPathComponent("Tests/scripts/check-openapi.py").path,
            Repo.root.appendingPathComponent("Schemas/openapi.json").path, casesFile,
        ])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(Set(cases.compactMap { $0["status"] as? Int }) == [200, 400])
    }

    /// HTTPS with the server's certificate, and mutual TLS: a client without a certificate the CA signed is refused
    /// in the handshake; one with it (Goldmane's emitter) may ingest without a token, and reads still need one.
    @Test(.enabled(if: Environment.has("openssl"), "makes certificates with openssl"))
    func tlsAndMutualTLS() throws {
        let dir = TempDir()
        let db = try Self.sampleStore(dir)
        func openssl(_ args: [String]) throws {
            let r = try run("/usr/bin/env", ["openssl"] + args, cwd: dir.path)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: dir.file("san.ext"), atomically: true, encoding: .utf8)
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=flowq test CA"])
        for name in ["server", "client"] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"])
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "\(name).pem",
                         "-days", "2", "-extfile", "san.ext"])
        }
        let tokens = dir.file("tokens")
        try "read-token-0123456789 read\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        let tls = ["--tls-cert", dir.file("server.pem"), "--tls-key", dir.file("server.key")]
        let server = try RunningServer(db: db, in: dir, extra: tls)
        func curl(_ port: Int, _ path: String, _ args: [String]) throws -> (status: Int32, http: String) {
            let r = try run("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", dir.file("ca.pem")] + args + ["https://127.0.0.1:\(port)\(path)"])
            return (r.status, r.stdout)
        }
        #expect(try curl(server.port, "/api/v1/count", []).http == "200")
        #expect(try server.get("/healthz").status == 0, "plain HTTP to a TLS port")
        let mutual = try RunningServer(db: db, in: dir, extra: tls + ["--client-ca", dir.file("ca.pem"), "--token-file", tokens])
        let cert = ["--cert", dir.file("client.pem"), "--key", dir.file("client.key")]
        let body = Repo.root.appendingPathComponent("Tests/Fixtures/goldmane/emitter-body.ndjson").path
        #expect(try curl(mutual.port, "/healthz", []).status != 0, "no client certificate: refused in the handshake")
        #expect(try curl(mutual.port, "/api/v1/flows/bulk", cert + ["--data-binary", "@\(body)"]).http == "200")
        #expect(try curl(mutual.port, "/api/v1/count", cert).http == "401")
        #expect(try curl(mutual.port, "/api/v1/count", cert + ["-H", "Authorization: Bearer read-token-0123456789"]).http == "200")
        let bad = try run(Self.flowq, ["serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert", dir.file("ca.key"), "--tls-key", dir.file("server.key")])
        #expect(bad.status == 2 && bad.stderr.contains("serve.bad_tls"), "\(bad.stderr)")
    }

    /// A query that runs too long is stopped with `query.timeout` and the server goes on answering; SIGTERM ends
    /// `serve` within 5 s even while a batch waits for a lock another process holds.
    @Test(.enabled(if: Environment.has("python3"), "holds the lock from python3"))
    func longQueriesStopAndShutdownDoesNotWaitForLocks() throws {
        let dir = TempDir()
        let db = dir.file("big.db")
        #expect(try run(Self.flowq, ["sample", "--lines", "200000", "--era", "v2", "--out", dir.file("big")]).status == 0)
        #expect(try run(Self.flowq, ["ingest", dir.file("big"), "--db", db]).status == 0)
        let server = try RunningServer(db: db, in: dir, extra: ["--query-timeout", "1s"])
        let slow = (0..<40).map { "*q\($0)z*" }.joined(separator: " or ")
        let start = Date()
        let r = try server.get("/api/v1/count?q=\(Self.escaped(slow))")
        #expect(r.status == 503 && Self.object(r.body)["code"] as? String == "query.timeout", "\(r)")
        #expect(Date().timeIntervalSince(start) < 4)
        #expect(try server.get("/api/v1/count?q=action:deny").status == 200)
        let locker = try CollectorTests.holdLock(db, seconds: 20)
        defer { locker.terminate() }
        let body = Repo.root.appendingPathComponent("Tests/Fixtures/goldmane/emitter-body.ndjson").path
        let post = Process()
        post.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        post.arguments = ["curl", "-s", "-o", "/dev/null", "--data-binary", "@\(body)", "http://127.0.0.1:\(server.port)/api/v1/flows/bulk"]
        try post.run()
        Thread.sleep(forTimeInterval: 1.5)
        kill(server.process.processIdentifier, SIGTERM)
        let stop = Date()
        while server.process.isRunning && Date().timeIntervalSince(stop) < 15 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!server.process.isRunning && Date().timeIntervalSince(stop) < 5, "\(Date().timeIntervalSince(stop)) s")
        post.waitUntilExit()
    }

    /// A port already taken stops `serve`, and `collect --metrics-port`, at once with `serve.cannot_listen` and exit 2
    /// (the collector's loop once spun when the health endpoint's failure cancelled it).
    @Test func aBusyPortIsAClearError() throws {
        let dir = TempDir()
        let db = try Self.sampleStore(dir)
        let server = try RunningServer(db: db, in: dir)
        let start = Date()
        let serve = try run(Self.flowq, ["serve", "--db", db, "--listen", "127.0.0.1:\(server.port)"])
        #expect(serve.status == 2 && serve.stderr.contains("[serve.cannot_listen]") && serve.stderr.contains("in use"), "\(serve.stderr)")
        try FileManager.default.createDirectory(atPath: dir.file("logs"), withIntermediateDirectories: true)
        let collect = try run(Self.flowq, [
            "collect", "--watch", dir.file("logs"), "--db", dir.file("c.db"), "--metrics-port", String(server.port),
            "--metrics-address", "127.0.0.1",
        ])
        #expect(collect.status == 2 && collect.stderr.contains("[serve.cannot_listen]"), "\(collect.stderr)")
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
