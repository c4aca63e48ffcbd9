import FlowLog
import FlowQuery
import FlowStore
import Foundation
import GRDB

/// Computes the readiness report from a store (the algorithm of §3.5 of the format doc).
///
/// 1. Every distinct policy trace (a few hundred) gets its hypothetical verdict once.
/// 2. SQLite groups only the affected lines (allowed today and denied once enforced, the reverse, or without
///    a trace) by trace, side, endpoints, port, protocol, host and hour, with loopback and noise flags.
/// 3. Groups are joined into connections (src- and dst-reported lines of the same source, destination, port
///    and protocol) and classified.
public struct ReadinessAnalyzer {
    public let store: SQLiteStore
    public let options: ReadinessOptions

    public init(store: SQLiteStore, options: ReadinessOptions) {
        self.store = store
        self.options = options
    }

    /// One group of affected lines.
    struct Group {
        var traceID: Int64?
        var action: String?
        var reporter: String?
        var srcEp: Int64?
        var dstEp: Int64?
        var port: Int64?
        var proto: String?
        var serviceID: Int64?
        var hostID: Int64?
        var loopback: Bool
        var noise: Int?
        var hour: Int64
        var lines: Int64
        var flows: Int64
        var bytes: Int64
        var first: Int64
        var last: Int64
        var sourceIPs: [String]
        var destIPs: [String]
        var domainIDs: [Int64]
        /// The address of a `net` source or destination (networks are told apart by address).
        var netSourceIP: String?
        var netDestIP: String?
    }

    public func run() throws -> ReadinessReport {
        var verdicts = try traceVerdicts()
        let groups = try affectedGroups(verdicts)
        let names = try dictionaries()
        let evidence = try hostEvidence(names.hosts)
        var builder = ConnectionBuilder(options: options, names: names)
        for g in groups {
            let verdict = verdicts.verdict(g.traceID, action: g.action, enforcing: options.enforcing)
            builder.add(g, verdict: verdict)
        }
        try settle(&builder, verdicts)
        let connections = builder.connections()
        return ReportAssembler(options: options).assemble(
            connections: connections, evidence: evidence, unknownLines: builder.unknownLines,
            unknownReasons: builder.unknownReasons, linesAnalysed: evidence.reduce(0) { $0 + $1.lines })
    }

    // MARK: Traces

    struct Verdicts {
        var byTrace: [Int64: PolicyLists] = [:]
        var cache: [String: StagedVerdict] = [:]
        var deny: [Int64] = []
        var allow: [Int64] = []
        var unknown: [Int64] = []

        mutating func verdict(_ id: Int64?, action: String?, enforcing: StagedSelection?) -> StagedVerdict {
            guard let id, let p = byTrace[id] else { return StagedVerdict.evaluate(nil, action: action) }
            let key = "\(id)|\(action ?? "")"
            if let v = cache[key] { return v }
            let v = StagedVerdict.evaluate(p, action: action, enforcing: enforcing)
            cache[key] = v
            return v
        }
    }

    private func traceVerdicts() throws -> Verdicts {
        var v = Verdicts()
        let rows = try store.read { db in try Row.fetchAll(db, sql: "SELECT id, policies FROM policy_trace") }
        for row in rows {
            let id: Int64 = row[0]
            guard let p = StoredJSON.policies(row[1]) else { continue }
            v.byTrace[id] = p
            // Decide with both possible actions; the fallback for unselected staged policies uses the action.
            let a = StagedVerdict.evaluate(p, action: "allow", enforcing: options.enforcing)
            let d = StagedVerdict.evaluate(p, action: "deny", enforcing: options.enforcing)
            if a.outcome == .deny { v.deny.append(id) }
            if d.outcome == .allow { v.allow.append(id) }
            if a.outcome == .unknown || d.outcome == .unknown { v.unknown.append(id) }
        }
        return v
    }

    // MARK: Grouped lines

    private func timeFilter() -> (String, [SQLValue]) {
        var parts: [String] = []
        var values: [SQLValue] = []
        if let since = options.since {
            parts.append("f.start_time >= ?")
            values.append(.int(since))
        }
        if let until = options.until {
            parts.append("f.start_time <= ?")
            values.append(.int(until))
        }
        return (parts.isEmpty ? "1" : parts.joined(separator: " AND "), values)
    }

    private func affectedGroups(_ v: Verdicts) throws -> [Group] {
        func list(_ ids: [Int64]) -> (String, [SQLValue]) {
            ids.isEmpty ? ("(NULL)", []) : ("(" + ids.map { _ in "?" }.joined(separator: ",") + ")", ids.map { .int($0) })
        }
        let (deny, denyArgs) = list(v.deny)
        let (allow, allowArgs) = list(v.allow)
        let (unknown, unknownArgs) = list(v.unknown)
        var noiseSQL: [String] = []
        var noiseArgs: [SQLValue] = []
        for rule in options.noise {
            let node = try KQLParser.parse(rule.query)
            let frag = try QueryCompiler.compile(node, options: .init(now: options.now * 1000))
            noiseSQL.append("COALESCE(\(frag.sql), 0)")
            noiseArgs += frag.bindings
        }
        let noiseColumns = noiseSQL.isEmpty ? "0" : noiseSQL.joined(separator: ", ")
        let (time, timeArgs) = timeFilter()
        let loopback = "(f.source_ip LIKE '127.%' OR f.source_ip = '::1' OR f.dest_ip LIKE '127.%' OR f.dest_ip = '::1')"
        let netIDs = try store.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM endpoint WHERE type = 'net'") }
        let nets = netIDs.isEmpty ? "(NULL)" : "(" + netIDs.map(String.init).joined(separator: ",") + ")"
        let keyCount = 13 + max(noiseSQL.count, 1)
        let sql = """
            SELECT f.trace_id, f.action, f.reporter, f.src_ep, f.dst_ep, f.dest_port, f.proto, f.service_id, f.host_id,
                \(loopback), f.start_time / 3600,
                CASE WHEN f.src_ep IN \(nets) THEN f.source_ip END, CASE WHEN f.dst_ep IN \(nets) THEN f.dest_ip END,
                \(noiseColumns),
                count(*), sum(COALESCE(f.num_flows, 1)), sum(COALESCE(f.bytes_in, 0) + COALESCE(f.bytes_out, 0)),
                min(f.start_time), max(COALESCE(f.end_time, f.start_time)),
                group_concat(DISTINCT f.source_ip), group_concat(DISTINCT f.dest_ip), group_concat(DISTINCT f.domains_id)
            FROM flow f
            WHERE \(time) AND ((f.action = 'allow' AND f.trace_id IN \(deny))
                OR (f.action = 'deny' AND f.trace_id IN \(allow))
                OR f.trace_id IN \(unknown) OR f.trace_id IS NULL)
            GROUP BY \((1...keyCount).map(String.init).joined(separator: ", "))
            """
        let args = SQLiteStore.arguments(noiseArgs + timeArgs + denyArgs + allowArgs + unknownArgs)
        return try store.read { db in
            try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                var noise: Int? = nil
                for i in 0..<noiseSQL.count where (row[13 + i] as Int64?) == 1 {
                    noise = i
                    break
                }
                let n = keyCount
                return Group(
                    traceID: row[0], action: row[1], reporter: row[2], srcEp: row[3], dstEp: row[4], port: row[5],
                    proto: row[6], serviceID: row[7], hostID: row[8], loopback: (row[9] as Int64?) == 1, noise: noise,
                    hour: row[10] ?? 0, lines: row[n], flows: row[n + 1] ?? 0, bytes: row[n + 2] ?? 0,
                    first: row[n + 3] ?? 0, last: row[n + 4] ?? 0,
                    sourceIPs: ((row[n + 5] as String?) ?? "").split(separator: ",").map(String.init),
                    destIPs: ((row[n + 6] as String?) ?? "").split(separator: ",").map(String.init),
                    domainIDs: ((row[n + 7] as String?) ?? "").split(separator: ",").compactMap { Int64($0) },
                    netSourceIP: row[11], netDestIP: row[12])
            }
        }
    }

    /// Sides with only unknown lines: look for lines of the same connection whose trace shows that
    /// enforcement leaves them allowed (older eras log traces for host endpoints; newer ones do not).
    private func settle(_ builder: inout ConnectionBuilder, _ v: Verdicts) throws {
        let open = builder.unsettled
        guard !open.isEmpty else { return }
        let ok = v.byTrace.keys.filter { id in
            StagedVerdict.evaluate(v.byTrace[id], action: "allow", enforcing: options.enforcing).outcome == .allow
        }
        guard !ok.isEmpty else { return }
        let srcs = Set(open.flatMap(\.src)), dsts = Set(open.flatMap(\.dst))
        let netIDs = try store.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM endpoint WHERE type = 'net'") }
        let nets = netIDs.isEmpty ? "(NULL)" : "(" + netIDs.map(String.init).joined(separator: ",") + ")"
        let (time, timeArgs) = timeFilter()
        let sql = """
            SELECT f.src_ep, f.dst_ep, CASE WHEN f.src_ep IN \(nets) THEN f.source_ip END,
                CASE WHEN f.dst_ep IN \(nets) THEN f.dest_ip END, f.dest_port, f.proto, f.reporter
            FROM flow f
            WHERE \(time) AND f.action = 'allow' AND f.trace_id IN (\(ok.map(String.init).joined(separator: ",")))
                AND f.src_ep IN (\(srcs.map(String.init).joined(separator: ",")))
                AND f.dst_ep IN (\(dsts.map(String.init).joined(separator: ",")))
            GROUP BY 1, 2, 3, 4, 5, 6, 7
            """
        let rows = try store.read { db in try Row.fetchAll(db, sql: sql, arguments: SQLiteStore.arguments(timeArgs)) }
        for row in rows {
            builder.settle(
                srcEp: row[0], dstEp: row[1], netSourceIP: row[2], netDestIP: row[3], port: row[4], proto: row[5],
                reporter: row[6])
        }
    }

    // MARK: Names and evidence

    struct Names {
        var endpoints: [Int64: EndpointRef] = [:]
        var fullLabels: [Int64: [String]] = [:]
        var services: [Int64: String] = [:]
        var hosts: [Int64: String] = [:]
        var lists: [Int64: [String]] = [:]
    }

    private func dictionaries() throws -> Names {
        try store.read { db in
            var n = Names()
            for row in try Row.fetchAll(
                db, sql: "SELECT e.id, e.type, e.namespace, e.name_aggr, l.labels FROM endpoint e LEFT JOIN label_set l ON l.id = e.labels_id")
            {
                let labels = (row[4] as String?).flatMap(StoredJSON.strings) ?? []
                n.endpoints[row[0]] = EndpointRef(
                    type: row[1] ?? "-", namespace: row[2] ?? "-", name: row[3] ?? "-", labels: StableLabels.filter(labels))
                n.fullLabels[row[0]] = labels
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, namespace, name, port_name FROM service") {
                let ns: String? = row[1], name: String? = row[2], port: String? = row[3]
                if let name, name != "-" {
                    n.services[row[0]] = "\(ns ?? "-")/\(name)" + ((port.map { $0 == "-" ? "" : ":" + $0 }) ?? "")
                }
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM host") { n.hosts[row[0]] = row[1] }
            for row in try Row.fetchAll(db, sql: "SELECT id, items FROM string_list") {
                n.lists[row[0]] = StoredJSON.strings(row[1]) ?? []
            }
            return n
        }
    }

    private func hostEvidence(_ hosts: [Int64: String]) throws -> [ReadinessReport.HostEvidence] {
        let (time, timeArgs) = timeFilter()
        let args = SQLiteStore.arguments(timeArgs)
        return try store.read { db in
            var out: [ReadinessReport.HostEvidence] = []
            for (id, name) in hosts.sorted(by: { $0.value < $1.value }) {
                let hostArgs = StatementArguments([id]) + args
                let first = try Int64.fetchOne(db, sql: "SELECT min(f.start_time) FROM flow f WHERE f.host_id = ? AND \(time)", arguments: hostArgs)
                let lastStart = try Int64.fetchOne(db, sql: "SELECT max(f.start_time) FROM flow f WHERE f.host_id = ? AND \(time)", arguments: hostArgs)
                let lines = try Int64.fetchOne(db, sql: "SELECT count(*) FROM flow f WHERE f.host_id = ? AND \(time)", arguments: hostArgs) ?? 0
                var last = lastStart
                if let ls = lastStart {
                    last = try Int64.fetchOne(
                        db, sql: "SELECT max(COALESCE(end_time, start_time)) FROM flow WHERE host_id = ? AND start_time = ?",
                        arguments: [id, ls]) ?? ls
                }
                let hours = first.flatMap { f in last.map { Double($0 - f) / 3600 } } ?? 0
                out.append(ReadinessReport.HostEvidence(
                    host: name, firstSeen: first, lastSeen: last, hours: (hours * 10).rounded() / 10, lines: lines,
                    sufficient: lines > 0 && hours >= options.minimumWindowHours))
            }
            return out
        }
    }
}
