import Foundation
import TestSupport
import Testing

/// Node agents (`flowq collect --ship-to`) shipping to one `flowq serve`: real processes, real rotated and
/// compressed files, SIGKILL at random moments on both sides.
@Suite(.serialized, .enabled(if: Environment.has("sqlite3") && Environment.has("zstd"), "reads the store with sqlite3; compresses with zstd"))
struct AgentTests {
    static let flowq = CLITests.flowq

    static func serve(_ db: String, port: Int, in dir: TempDir) throws -> Process {
        try CollectorTests.launch(flowq, ["serve", "--db", db, "--listen", "127.0.0.1:\(port)"], log: dir.file("serve.log"))
    }

    static func agent(_ logs: String, node: String, port: Int, in dir: TempDir) throws -> Process {
        try CollectorTests.launch(
            flowq, ["collect", "--poll-ms", "50", "--watch", "\(logs)=\(node)", "--ship-to", "http://127.0.0.1:\(port)"],
            log: dir.file("agent-\(node).log"))
    }

    static func waitForPort(_ port: Int) {
        for _ in 0..<200 {
            if RawClient(port: port) != nil { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    @Test func fourAgentsKilledAtRandomStoreEveryLineOnce() throws {
        let dir = TempDir()
        let perNode = 6_000
        let all = try CollectorTests.lines(perNode * 4, in: dir)
        let db = dir.file("cluster.db")
        let port = Int.random(in: 20_000...40_000)
        var server = try Self.serve(db, port: port, in: dir)
        Self.waitForPort(port)
        let nodes = (0..<4).map { "node-\($0)" }
        var dirs: [String] = []
        for n in nodes {
            let d = dir.file(n)
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            dirs.append(d)
        }
        var agents = try nodes.indices.map { try Self.agent(dirs[$0], node: nodes[$0], port: port, in: dir) }
        // Felix on each node: lines appended, rotated every 1,000, the previous rotated file compressed to .zst.
        let writers = DispatchGroup()
        for (i, d) in dirs.enumerated() {
            let slice = Array(all[(i * perNode)..<((i + 1) * perNode)])
            DispatchQueue.global().async(group: writers) {
                try? CollectorTests.write(slice, to: d, rotateEvery: 1000) { k in if k % 300 == 0 { Thread.sleep(forTimeInterval: 0.03) } }
            }
        }
        var rng = SystemRandomNumberGenerator()
        for round in 0..<14 {
            Thread.sleep(forTimeInterval: Double.random(in: 0.1...0.5, using: &rng))
            if round % 4 == 1 {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
                server = try Self.serve(db, port: port, in: dir)
                Self.waitForPort(port)
            } else {
                let k = Int.random(in: 0..<4, using: &rng)
                kill(agents[k].processIdentifier, SIGKILL)
                agents[k].waitUntilExit()
                agents[k] = try Self.agent(dirs[k], node: nodes[k], port: port, in: dir)
            }
        }
        writers.wait()
        let total = String(perNode * 4)
        let ok = CollectorTests.wait(db, "SELECT count(*) FROM flow", total, seconds: 120)
        #expect(ok, "\(CollectorTests.diagnosis(db, log: dir.file("agent-node-0.log"), running: agents[0].isRunning))")
        #expect(CollectorTests.sql(db, "SELECT count(DISTINCT json_extract(extra, '$.seq')) FROM flow") == total)
        #expect(CollectorTests.sql(db, "SELECT group_concat(name, ',') FROM (SELECT name FROM host ORDER BY name)") == nodes.joined(separator: ","))
        for p in agents + [server] {
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }
    }

    /// The source side of a connection logged on one node, its destination side on another: shipped by two agents
    /// at once into one store, they are one connection in the report, with both sides.
    @Test func twoSidesFromTwoAgentsAreOneConnection() throws {
        let dir = TempDir()
        let db = dir.file("two.db")
        let port = Int.random(in: 20_000...40_000)
        let server = try Self.serve(db, port: port, in: dir)
        Self.waitForPort(port)
        func line(_ reporter: String, _ start: Int) -> String {
            let pending = #"["0|default|sgnp:default-deny|deny|-1"]"#
            return """
                {"start_time":\(start),"end_time":\(start + 300),"source_ip":"10.0.1.5","source_name":"-","source_name_aggr":"web-7f9d-*","source_namespace":"shop","source_type":"wep","source_labels":{"labels":["app=web"]},"dest_ip":"10.0.2.9","dest_name":"-","dest_name_aggr":"api-5c8b-*","dest_namespace":"shop","dest_port":8443,"dest_type":"wep","dest_labels":{"labels":["app=api"]},"proto":"tcp","action":"allow","reporter":"\(reporter)","policies":{"enforced_policies":["0|__PROFILE__|pro:kns.shop|allow|0"],"pending_policies":\(pending)},"bytes_in":100,"bytes_out":200,"num_flows":1,"num_flows_started":1,"num_flows_completed":1,"packets_in":2,"packets_out":3}
                """
        }
        var agents: [Process] = []
        for (node, reporter) in [("node-src", "src"), ("node-dst", "dst")] {
            let d = dir.file(node)
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            try ((0..<50).map { line(reporter, 1_795_392_000 + $0 * 300) }.joined(separator: "\n") + "\n")
                .write(toFile: d + "/flows.log", atomically: true, encoding: .utf8)
            agents.append(try Self.agent(d, node: node, port: port, in: dir))
        }
        #expect(CollectorTests.wait(db, "SELECT count(*) FROM flow", "100", seconds: 60))
        let report = try run(Self.flowq, ["report", "--db", db, "--format", "json", "--min-window", "0h"])
        let connections = ServerTests.object(report.stdout)["connections"] as? [[String: Any]] ?? []
        #expect(connections.count == 1, "\(connections)")
        #expect(connections.first?["classification"] as? String == "would_break")
        // Both sides joined in one connection: the egress side logged on node-src, the ingress side on node-dst,
        // each denied by the staged default-deny.
        let sides = (connections.first?["sides"] as? [[String: Any]]) ?? []
        #expect(Set(sides.compactMap { ($0["hosts"] as? [String])?.first }) == ["node-dst", "node-src"], "\(sides)")
        #expect(Set(sides.compactMap { $0["reporter"] as? String }) == ["src", "dst"])
        for p in agents + [server] {
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
        }
    }

    /// An agent ships lines undecoded; the server decodes them, and a line that does not decode is recorded with the
    /// agent's file, line number and offset, exactly as `flowq ingest` of that file records it.
    @Test func theServerRecordsRejectsAsIngestDoes() throws {
        let dir = TempDir()
        var lines = try CollectorTests.lines(30, in: dir)
        lines[4] = "{\"start_time\": 1795392000, \"action\": "
        lines[7] += "\r"
        lines[11] = String(repeating: "y", count: 20_000)
        lines[20] = "[\"not an object\"]"
        let logs = dir.file("node-r")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(toFile: logs + "/flows.log", atomically: true, encoding: .utf8)
        let db = dir.file("served.db")
        let port = Int.random(in: 20_000...40_000)
        let server = try Self.serve(db, port: port, in: dir)
        Self.waitForPort(port)
        let agent = try CollectorTests.launch(
            Self.flowq,
            ["collect", "--poll-ms", "50", "--max-line-length", "16384", "--watch", "\(logs)=node-r", "--ship-to", "http://127.0.0.1:\(port)"],
            log: dir.file("agent.log"))
        #expect(CollectorTests.wait(db, "SELECT coalesce(sum(lines), 0) FROM source_file", "30", seconds: 60))
        let ingested = dir.file("ingested.db")
        let r = try run(Self.flowq, ["ingest", "--db", ingested, "--max-line-length", "16384", logs + "/flows.log"])
        #expect(r.status == 0, "\(r.stderr)")
        let rejects = "SELECT path || ' ' || line || ' ' || offset || ' ' || code || ' ' || raw_length || ' ' || reason FROM reject ORDER BY line"
        let served = CollectorTests.sql(db, rejects)
        #expect(served.split(separator: "\n").count == 3, "\(served)")
        #expect(served == CollectorTests.sql(ingested, rejects))
        #expect(CollectorTests.sql(db, "SELECT count(*) FROM flow") == "27")
        let counts = "SELECT group_concat(code || '=' || count, ',') FROM (SELECT code, count FROM reject_count ORDER BY code)"
        #expect(CollectorTests.sql(db, counts).split(separator: ",").count == 3)
        #expect(CollectorTests.sql(db, counts) == CollectorTests.sql(ingested, counts))
        for p in [agent, server] {
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
        }
    }
}
