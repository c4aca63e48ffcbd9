import FlowLog
import FlowPolicy
import FlowQuery
import FlowStore
import Foundation

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
        var packets: Int64 = 0
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
        let conns = try conns()
        let groups = try affectedGroups(verdicts, conns)
        let names = try dictionaries()
        let evidence = try hostEvidence(names.hosts)
        var builder = ConnectionBuilder(options: options, names: names)
        for g in groups {
            // Lines of known Felix bugs decide nothing on their own: ghosts of #13185 are no traffic at all; the
            // action of a #13410 line is a staged policy's, so what enforcement changes cannot be told from it.
            if FelixTraceBug.isStaleDeny(action: g.action, bytes: g.bytes, packets: g.packets) { continue }
            var verdict = verdicts.verdict(g.traceID, action: g.action, enforcing: options.enforcing)
            if let id = g.traceID, verdicts.shapes[id]?.contains(.stagedAsEnforced) == true {
                let bug = FelixTraceBug.stagedAsEnforced
                verdict = StagedVerdict(
                    outcome: .unknown, source: verdict.source, deciding: nil, approximate: false,
                    reason: "\(bug.explanation) (Felix bug \(bug.issue))")
            }
            if let sim = options.simulation, sim.mode == .everywhere || verdict.outcome == .unknown {
                verdict = simulate(g, sim.simulator, names)
            }
            builder.add(g, verdict: verdict)
        }
        try settle(&builder, verdicts, conns)
        let connections = builder.connections()
        return ReportAssembler(options: options).assemble(
            connections: connections, evidence: evidence, unknownLines: builder.unknownLines,
            unknownReasons: builder.unknownReasons, linesAnalysed: evidence.reduce(0) { $0 + $1.lines },
            felixBugs: try felixBugLines(verdicts))
    }

    // MARK: Traces

    struct Verdicts {
        var byTrace: [Int64: PolicyLists] = [:]
        /// The Felix-bug shapes of each trace that has one.
        var shapes: [Int64: [FelixTraceBug]] = [:]
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

    func traceVerdicts() throws -> Verdicts {
        var v = Verdicts()
        for row in try store.values("SELECT id, policies FROM policy_trace") {
            guard let id = row[0].int, let p = row[1].text.flatMap(StoredJSON.policies) else { continue }
            v.byTrace[id] = p
            let shapes = FelixTraceBug.shapes(of: p)
            if !shapes.isEmpty { v.shapes[id] = shapes }
            // Decide with both possible actions; the fallback for unselected staged policies uses the action.
            let a = StagedVerdict.evaluate(p, action: "allow", enforcing: options.enforcing)
            let d = StagedVerdict.evaluate(p, action: "deny", enforcing: options.enforcing)
            if a.outcome == .deny { v.deny.append(id) }
            if d.outcome == .allow { v.allow.append(id) }
            if a.outcome == .unknown || d.outcome == .unknown { v.unknown.append(id) }
        }
        return v
    }

    /// Lines in the window of each Felix-bug shape: traces with a shape, and roll-up rows of deny lines whose
    /// counters are all zero (a row is one connection's lines of one hour).
    private func felixBugLines(_ verdicts: Verdicts) throws -> [FelixTraceBug: Int64] {
        let (time, timeArgs) = hourFilter()
        var out: [FelixTraceBug: Int64] = [:]
        let rows = try store.values(
            """
            SELECT c.trace_id, sum(ch.lines), sum(CASE WHEN c.action = 'deny' AND ch.bytes = 0 AND ch.packets = 0 THEN ch.lines ELSE 0 END)
            FROM conn_hour ch JOIN conn c ON c.id = ch.conn_id WHERE \(time) GROUP BY c.trace_id
            """, timeArgs)
        for row in rows {
            let stale = row[2].int ?? 0
            if stale > 0 { out[.staleDeny, default: 0] += stale }
            guard let id = row[0].int, let shapes = verdicts.shapes[id] else { continue }
            for s in shapes { out[s, default: 0] += row[1].int ?? 0 }
        }
        return out
    }

    // MARK: Grouped lines

    private func timeFilter() -> (String, [SQLValue]) {
        let window = SQLFragment.all([
            options.since.map { TimeSpan.condition(.start, ">=", $0) }, options.until.map { TimeSpan.condition(.start, "<=", $0) },
        ])
        return (window?.sql ?? "1", window?.bindings ?? [])
    }

    /// A row of the `conn` dictionary.
    struct Conn {
        init() {}
        init(hostID: Int64?, srcEp: Int64?, dstEp: Int64?, port: Int64?, proto: String?, serviceID: Int64?, action: String?, reporter: String?, traceID: Int64?) {
            (self.hostID, self.srcEp, self.dstEp, self.port, self.proto, self.serviceID) = (hostID, srcEp, dstEp, port, proto, serviceID)
            (self.action, self.reporter, self.traceID) = (action, reporter, traceID)
        }
        var hostID: Int64?, srcEp: Int64?, dstEp: Int64?, port: Int64?, proto: String?, serviceID: Int64?
        var action: String?, reporter: String?, traceID: Int64?
    }

    func conns() throws -> [Int64: Conn] {
        var out: [Int64: Conn] = [:]
        for row in try store.values("SELECT id, host_id, src_ep, dst_ep, dest_port, proto, service_id, action, reporter, trace_id FROM conn") {
            guard let id = row[0].int else { continue }
            out[id] = Conn(
                hostID: row[1].int, srcEp: row[2].int, dstEp: row[3].int, port: row[4].int, proto: row[5].text,
                serviceID: row[6].int, action: row[7].text, reporter: row[8].text, traceID: row[9].int)
        }
        return out
    }

    /// `CASE` expressions giving the address of `net` sources and destinations (networks are told apart by it).
    private func netAddressColumns(_ conns: [Int64: Conn]) throws -> (String, String) {
        let netIDs = Set(try store.values("SELECT id FROM endpoint WHERE type = 'net'").compactMap { $0[0].int })
        func list(_ ids: [Int64]) -> String { ids.isEmpty ? "(NULL)" : "(" + ids.sorted().map(String.init).joined(separator: ",") + ")" }
        let srcNet = conns.filter { $0.value.srcEp.map(netIDs.contains) ?? false }.map(\.key)
        let dstNet = conns.filter { $0.value.dstEp.map(netIDs.contains) ?? false }.map(\.key)
        return ("CASE WHEN f.conn_id IN \(list(srcNet)) THEN f.source_ip END",
                "CASE WHEN f.conn_id IN \(list(dstNet)) THEN f.dest_ip END")
    }

    private func affectedGroups(_ v: Verdicts, _ conns: [Int64: Conn]) throws -> [Group] {
        // The affected connections, decided in Swift from the (small) conn dictionary.
        let deny = Set(v.deny), allow = Set(v.allow), unknown = Set(v.unknown)
        let affected = conns.filter { _, c in
            if options.simulation?.mode == .everywhere { return true }
            guard let t = c.traceID else { return true }
            return (c.action == "allow" && deny.contains(t)) || (c.action == "deny" && allow.contains(t)) || unknown.contains(t)
        }.map(\.key)
        let breaking = Set(conns.filter { _, c in c.action == "allow" && (c.traceID.map(deny.contains) ?? false) }.map(\.key))
        return try groups(for: affected, conns, candidatesForNoise: options.simulation == nil ? breaking : nil)
    }

    /// The lines of these connections, grouped by connection, hour, loopback, network addresses and noise.
    /// Read from the hourly roll-up unless a query filter or a simulation needs the lines themselves.
    func groups(
        for affected: [Int64], _ conns: [Int64: Conn], candidatesForNoise: Set<Int64>? = nil, fromLines: Bool = false
    ) throws -> [Group] {
        guard !affected.isEmpty else { return [] }
        if options.filter == nil && options.simulation == nil && !fromLines {
            return try rollupGroups(affected, conns, noiseCandidates: candidatesForNoise ?? Set(affected))
        }
        return try lineGroups(affected, conns)
    }

    private func hourFilter() -> (String, [SQLValue]) {
        var parts: [String] = []
        var values: [SQLValue] = []
        if let since = options.since {
            parts.append("ch.hour >= ?")
            values.append(.int(since / 3600))
        }
        if let until = options.until {
            parts.append("ch.hour <= ?")
            values.append(.int(until / 3600))
        }
        return (parts.isEmpty ? "1" : parts.joined(separator: " AND "), values)
    }

    private func idList(_ ids: some Sequence<Int64>) -> String { "(" + ids.sorted().map(String.init).joined(separator: ",") + ")" }

    private func rollupGroups(_ affected: [Int64], _ conns: [Int64: Conn], noiseCandidates: Set<Int64>) throws -> [Group] {
        let (time, timeArgs) = hourFilter()
        let noise = try noiseKeys(Array(noiseCandidates.intersection(affected)), conns)
        var domains: [Int64: [Int64]] = [:]
        for row in try store.values("SELECT conn_id, domains_id FROM conn_domains WHERE conn_id IN \(idList(affected))") {
            if let c = row[0].int, let d = row[1].int { domains[c, default: []].append(d) }
        }
        let rows = try store.values(
            """
            SELECT ch.conn_id, ch.loopback, ch.hour, nullif(ch.src_net_ip, ''), nullif(ch.dst_net_ip, ''), ch.lines,
                ch.flows, ch.bytes, ch.first, ch.last, ch.src_ip_min, ch.src_ip_max, ch.dst_ip_min, ch.dst_ip_max,
                ch.packets
            FROM conn_hour ch WHERE ch.conn_id IN \(idList(affected)) AND \(time)
            """, timeArgs)
        return rows.map { row in
            let id = row[0].int ?? 0
            let c = conns[id] ?? Conn()
            let srcNet = row[3].text, dstNet = row[4].text
            let ips = { (a: String?, b: String?) in Array(Set([a, b].compactMap { $0 })).sorted() }
            var g = Group(
                traceID: c.traceID, action: c.action, reporter: c.reporter, srcEp: c.srcEp, dstEp: c.dstEp, port: c.port,
                proto: c.proto, serviceID: c.serviceID, hostID: c.hostID, loopback: row[1].int == 1,
                noise: noise[NoiseKey(conn: id, srcNet: srcNet ?? "", dstNet: dstNet ?? "")], hour: row[2].int ?? 0,
                lines: row[5].int ?? 0, flows: row[6].int ?? 0, bytes: row[7].int ?? 0, first: row[8].int ?? 0,
                last: row[9].int ?? 0, sourceIPs: ips(row[10].text, row[11].text), destIPs: ips(row[12].text, row[13].text),
                domainIDs: domains[id] ?? [], netSourceIP: srcNet, netDestIP: dstNet)
            g.packets = row[14].int ?? 0
            return g
        }
    }

    struct NoiseKey: Hashable {
        var conn: Int64
        var srcNet: String
        var dstNet: String
    }

    /// Which connections (and network addresses) match a noise rule: evaluated on the lines of the candidate
    /// connections only (those that would be denied).
    private func noiseKeys(_ candidates: [Int64], _ conns: [Int64: Conn]) throws -> [NoiseKey: Int] {
        guard !candidates.isEmpty, !options.noise.isEmpty else { return [:] }
        let (srcNet, dstNet) = try netAddressColumns(conns)
        let (time, timeArgs) = timeFilter()
        var out: [NoiseKey: Int] = [:]
        for (i, rule) in options.noise.enumerated().reversed() {
            let frag = try QueryCompiler.compile(try KQLParser.parse(rule.query), options: .init(now: options.now * 1000))
            let sql = """
                SELECT DISTINCT f.conn_id, ifnull(\(srcNet), ''), ifnull(\(dstNet), '') FROM flow f
                WHERE f.conn_id IN \(idList(candidates)) AND \(time) AND \(frag.sql)
                """
            for row in try store.values(sql, timeArgs + frag.bindings) {
                guard let conn = row[0].int else { continue }
                out[NoiseKey(conn: conn, srcNet: row[1].text ?? "", dstNet: row[2].text ?? "")] = i
            }
        }
        return out
    }

    /// Groups computed from the lines (query filters and simulations).
    private func lineGroups(_ affected: [Int64], _ conns: [Int64: Conn]) throws -> [Group] {
        var noiseSQL: [String] = []
        var noiseArgs: [SQLValue] = []
        for rule in options.noise {
            let node = try KQLParser.parse(rule.query)
            let frag = try QueryCompiler.compile(node, options: .init(now: options.now * 1000))
            noiseSQL.append("COALESCE(\(frag.sql), 0)")
            noiseArgs += frag.bindings
        }
        let noiseColumns = noiseSQL.isEmpty ? "0" : noiseSQL.joined(separator: ", ")
        var (time, timeArgs) = timeFilter()
        if let filter = options.filter {
            time = "(\(time)) AND (\(filter.sql))"
            timeArgs += filter.bindings
        }
        let (srcNet, dstNet) = try netAddressColumns(conns)
        let loopback = "(f.source_ip LIKE '127.%' OR f.source_ip = '::1' OR f.dest_ip LIKE '127.%' OR f.dest_ip = '::1')"
        let keyCount = 5 + max(noiseSQL.count, 1)
        let n = keyCount
        // Every address is needed only to simulate `nets` rules; otherwise the lowest and highest are evidence enough.
        let ipColumns = options.simulation != nil
            ? "group_concat(DISTINCT f.source_ip), group_concat(DISTINCT f.dest_ip)"
            : "min(f.source_ip) || ifnull(',' || nullif(max(f.source_ip), min(f.source_ip)), ''), "
                + "min(f.dest_ip) || ifnull(',' || nullif(max(f.dest_ip), min(f.dest_ip)), '')"
        let sql = """
            SELECT f.conn_id, \(loopback), f.start_time / 3600, \(srcNet), \(dstNet), \(noiseColumns),
                count(*), sum(COALESCE(f.num_flows, 1)), sum(COALESCE(f.bytes_in, 0) + COALESCE(f.bytes_out, 0)),
                min(f.start_time), max(COALESCE(f.end_time, f.start_time)), \(ipColumns), group_concat(DISTINCT f.domains_id),
                sum(COALESCE(f.packets_in, 0) + COALESCE(f.packets_out, 0))
            FROM flow f
            WHERE \(time) AND f.conn_id IN (\(affected.sorted().map(String.init).joined(separator: ",")))
            GROUP BY \((1...keyCount).map(String.init).joined(separator: ", "))
            """
        return try store.values(sql, noiseArgs + timeArgs).map { row in
            var noise: Int? = nil
            for i in 0..<noiseSQL.count where row[5 + i].int == 1 {
                noise = i
                break
            }
            let c = conns[row[0].int ?? 0] ?? Conn()
            /// A comma-separated list (group_concat), as text whatever SQLite typed it.
            func list(_ v: SQLValue) -> [String] {
                (v.text ?? v.int.map(String.init) ?? "").split(separator: ",").map(String.init)
            }
            var g = Group(
                traceID: c.traceID, action: c.action, reporter: c.reporter, srcEp: c.srcEp, dstEp: c.dstEp, port: c.port,
                proto: c.proto, serviceID: c.serviceID, hostID: c.hostID, loopback: row[1].int == 1,
                noise: noise, hour: row[2].int ?? 0, lines: row[n].int ?? 0, flows: row[n + 1].int ?? 0,
                bytes: row[n + 2].int ?? 0, first: row[n + 3].int ?? 0, last: row[n + 4].int ?? 0,
                sourceIPs: list(row[n + 5]), destIPs: list(row[n + 6]), domainIDs: list(row[n + 7]).compactMap { Int64($0) },
                netSourceIP: row[3].text, netDestIP: row[4].text)
            g.packets = row[n + 8].int ?? 0
            return g
        }
    }

    /// The simulator's verdict for a group of lines, in the trace verdict's form.
    func simulate(_ g: Group, _ sim: PolicySimulator, _ names: Names) -> StagedVerdict {
        let reporter = g.reporter ?? ""
        guard reporter.hasPrefix("src") || reporter.hasPrefix("dst") else {
            return StagedVerdict(outcome: .unknown, source: .simulation, deciding: nil, approximate: false, reason: "forwarded traffic is out of scope")
        }
        func endpoint(_ id: Int64?, ips: [String], port: Int64?, portName: String?, domains: [String]) -> SimulatedEndpoint {
            let ref = id.flatMap { names.endpoints[$0] }
            let full = id.flatMap { names.fullLabels[$0] }
            let type = ref?.type ?? "net"
            return SimulatedEndpoint(
                type: type, namespace: ref.flatMap { $0.namespace == "-" ? nil : $0.namespace }, name: ref?.name ?? "-",
                labels: full.map(labelDictionary), ips: ips, port: port, portName: portName,
                domains: domains)
        }
        let domains = g.domainIDs.flatMap { names.lists[$0] ?? [] }
        let flow = SimulatedFlow(
            direction: reporter.hasPrefix("src") ? .egress : .ingress,
            source: endpoint(g.srcEp, ips: g.netSourceIP.map { [$0] } ?? g.sourceIPs, port: nil, portName: nil, domains: []),
            destination: endpoint(
                g.dstEp, ips: g.netDestIP.map { [$0] } ?? g.destIPs, port: g.port,
                portName: g.serviceID.flatMap { names.servicePortNames[$0] }, domains: domains),
            proto: g.proto)
        let r = sim.evaluate(flow)
        let hit = r.policy.map { name -> PolicyHit in
            let kind = PolicyKind(rawValue: r.kind ?? "gnp") ?? .globalNetworkPolicy
            let parts = name.split(separator: "/", maxSplits: 1)
            let ns = parts.count == 2 ? String(parts[0]) : nil
            let base = parts.count == 2 ? String(parts[1]) : name
            let action: PolicyAction = r.outcome == .deny ? .deny : .allow
            let rule = r.ruleIndex ?? -2
            return PolicyHit(
                index: 0, tier: r.tier ?? "default", kind: kind, namespace: ns, name: base, action: action, ruleIndex: rule,
                isStaged: kind.isStaged, format: .v2,
                raw: "0|\(r.tier ?? "default")|\(kind.rawValue):\(name)|\(action.rawValue)|\(rule)")
        }
        switch r.outcome {
        case .allow: return StagedVerdict(outcome: .allow, source: .simulation, deciding: hit, approximate: false, reason: r.reason)
        case .deny: return StagedVerdict(outcome: .deny, source: .simulation, deciding: hit, approximate: false, reason: r.reason)
        case .uncertain:
            return StagedVerdict(
                outcome: .unknown, source: .simulation, deciding: nil, approximate: false,
                reason: "simulation uncertain: " + (r.reason ?? "?"))
        }
    }

    /// Sides with only unknown lines: look for lines of the same connection whose trace shows that
    /// enforcement leaves them allowed (older eras log traces for host endpoints; newer ones do not).
    private func settle(_ builder: inout ConnectionBuilder, _ v: Verdicts, _ conns: [Int64: Conn]) throws {
        let open = builder.unsettled
        guard !open.isEmpty else { return }
        let srcs = Set(open.flatMap(\.src)), dsts = Set(open.flatMap(\.dst))
        var okVerdict: [Int64: Bool] = [:]
        let candidates = conns.filter { _, c in
            guard c.action == "allow", let t = c.traceID, let s = c.srcEp, let d = c.dstEp, srcs.contains(s), dsts.contains(d)
            else { return false }
            if okVerdict[t] == nil {
                okVerdict[t] = StagedVerdict.evaluate(v.byTrace[t], action: "allow", enforcing: options.enforcing).outcome == .allow
            }
            return okVerdict[t]!
        }.map(\.key)
        guard !candidates.isEmpty else { return }
        let (time, timeArgs) = hourFilter()
        let sql = """
            SELECT ch.conn_id, nullif(ch.src_net_ip, ''), nullif(ch.dst_net_ip, '') FROM conn_hour ch
            WHERE \(time) AND ch.conn_id IN \(idList(candidates))
            GROUP BY 1, 2, 3
            """
        for row in try store.values(sql, timeArgs) {
            guard let id = row[0].int, let c = conns[id] else { continue }
            builder.settle(
                srcEp: c.srcEp, dstEp: c.dstEp, netSourceIP: row[1].text, netDestIP: row[2].text, port: c.port, proto: c.proto,
                reporter: c.reporter)
        }
    }

    // MARK: Names and evidence

    struct Names {
        var endpoints: [Int64: EndpointRef] = [:]
        var fullLabels: [Int64: [String]] = [:]
        var services: [Int64: String] = [:]
        var hosts: [Int64: String] = [:]
        var lists: [Int64: [String]] = [:]
        var servicePortNames: [Int64: String] = [:]
    }

    func dictionaries() throws -> Names {
        var n = Names()
        // Names through the store's NUL-safe reads: a namespace or name is shown whole.
        for row in try store.values(
            "SELECT e.id, e.type, e.namespace, e.name_aggr, l.labels FROM endpoint e LEFT JOIN label_set l ON l.id = e.labels_id")
        {
            guard case .int(let id) = row[0] else { continue }
            let labels = row[4].text.flatMap(StoredJSON.strings) ?? []
            n.endpoints[id] = EndpointRef(
                type: row[1].text ?? "-", namespace: row[2].text ?? "-", name: row[3].text ?? "-", labels: StableLabels.filter(labels))
            n.fullLabels[id] = labels
        }
        for row in try store.values("SELECT id, namespace, name, port_name FROM service") {
            guard case .int(let id) = row[0] else { continue }
            let ns = row[1].text, name = row[2].text, port = row[3].text
            if let port { n.servicePortNames[id] = port }
            if let name, name != "-" {
                n.services[id] = "\(ns ?? "-")/\(name)" + ((port.map { $0 == "-" ? "" : ":" + $0 }) ?? "")
            }
        }
        for row in try store.values("SELECT id, name FROM host") {
            if case .int(let id) = row[0], let name = row[1].text { n.hosts[id] = name }
        }
        for row in try store.values("SELECT id, items FROM string_list") {
            if case .int(let id) = row[0] { n.lists[id] = row[1].text.flatMap(StoredJSON.strings) ?? [] }
        }
        return n
    }

    private func hostEvidence(_ hosts: [Int64: String]) throws -> [ReadinessReport.HostEvidence] {
        let (time, timeArgs) = hourFilter()
        let rows = try store.values(
            """
            SELECT c.host_id, min(ch.first), max(ch.last), sum(ch.lines) FROM conn_hour ch JOIN conn c ON c.id = ch.conn_id
            WHERE \(time) GROUP BY c.host_id
            """, timeArgs)
        var byHost: [Int64: (Int64?, Int64?, Int64)] = [:]
        for row in rows {
            guard let id = row[0].int else { continue }
            byHost[id] = (row[1].int, row[2].int, row[3].int ?? 0)
        }
        // A host that no line was ever stored under (the name of a file's directory, when every line carries its
        // own `host`) is no evidence of anything: only hosts with lines, in the window or not, are listed.
        let withLines = Set(try store.values("SELECT DISTINCT host_id FROM conn WHERE host_id IS NOT NULL").compactMap { row -> Int64? in
            if case .int(let id) = row[0] { return id }
            return nil
        })
        return hosts.filter { withLines.contains($0.key) }.sorted(by: { $0.value < $1.value }).map { id, name in
            let (first, last, lines) = byHost[id] ?? (nil, nil, 0)
            let hours = first.flatMap { f in last.map { Double($0 - f) / 3600 } } ?? 0
            return ReadinessReport.HostEvidence(
                host: name, firstSeen: first, lastSeen: last, hours: (hours * 10).rounded() / 10, lines: lines,
                sufficient: lines > 0 && hours >= options.minimumWindowHours)
        }
    }

}
