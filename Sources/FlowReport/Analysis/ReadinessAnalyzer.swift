import FlowLog
import FlowPolicy
import FlowQuery
import FlowStore
import Foundation

/// Computes the readiness report from a store (the algorithm of §3.5 of the format doc).
///
/// 1. Every distinct policy trace (a few hundred) gets its hypothetical verdict once.
/// 2. The store groups only the affected lines (allowed today and denied once enforced, the reverse, or without
///    a trace) by trace, side, endpoints, port, protocol, host and hour, with loopback and noise flags.
/// 3. Groups are joined into connections (src- and dst-reported lines of the same source, destination, port
///    and protocol) and classified.
public struct ReadinessAnalyzer {
    public let store: any ReadinessSource
    public let options: ReadinessOptions

    public init(store: any ReadinessSource, options: ReadinessOptions) {
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
        for (id, p) in try store.traces() {
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
        var out: [FelixTraceBug: Int64] = [:]
        for row in try store.traceTotals(window) {
            if row.staleDenyLines > 0 { out[.staleDeny, default: 0] += row.staleDenyLines }
            guard let id = row.traceID, let shapes = verdicts.shapes[id] else { continue }
            for s in shapes { out[s, default: 0] += row.lines }
        }
        return out
    }

    // MARK: Grouped lines

    /// The report's window.
    private var window: ReadWindow { ReadWindow(since: options.since, until: options.until) }

    func conns() throws -> [Int64: ConnectionRow] { try store.connections() }

    /// The connections whose source or destination is a network (told apart by address).
    private func nets(_ conns: [Int64: ConnectionRow]) throws -> NetEndpoints {
        let netIDs = try store.netEndpointIDs()
        return NetEndpoints(
            sourceConnections: Set(conns.filter { $0.value.sourceEndpoint.map(netIDs.contains) ?? false }.map(\.key)),
            destConnections: Set(conns.filter { $0.value.destEndpoint.map(netIDs.contains) ?? false }.map(\.key)))
    }

    private func affectedGroups(_ v: Verdicts, _ conns: [Int64: ConnectionRow]) throws -> [Group] {
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
        for affected: [Int64], _ conns: [Int64: ConnectionRow], candidatesForNoise: Set<Int64>? = nil, fromLines: Bool = false
    ) throws -> [Group] {
        guard !affected.isEmpty else { return [] }
        if options.filter == nil && options.simulation == nil && !fromLines {
            return try rollupGroups(affected, conns, noiseCandidates: candidatesForNoise ?? Set(affected))
        }
        return try lineGroups(affected, conns)
    }

    private func rollupGroups(_ affected: [Int64], _ conns: [Int64: ConnectionRow], noiseCandidates: Set<Int64>) throws -> [Group] {
        let noise = try noiseKeys(Array(noiseCandidates.intersection(affected)), conns)
        return try store.hourRows(of: affected, window).map { row in
            var g = Group(row, conns[row.connection] ?? ConnectionRow())
            g.noise = noise[LineKey(connection: row.connection, netSource: row.netSource ?? "", netDest: row.netDest ?? "")]
            return g
        }
    }

    /// Which connections (and network addresses) match a noise rule: evaluated on the lines of the candidate
    /// connections only (those that would be denied).
    private func noiseKeys(_ candidates: [Int64], _ conns: [Int64: ConnectionRow]) throws -> [LineKey: Int] {
        guard !candidates.isEmpty, !options.noise.isEmpty else { return [:] }
        let nets = try nets(conns)
        var out: [LineKey: Int] = [:]
        for (i, rule) in options.noise.enumerated().reversed() {
            for key in try store.lineKeys(of: candidates, window, matching: try rule.predicate(now: options.now), nets: nets) {
                out[key] = i
            }
        }
        return out
    }

    /// Groups computed from the lines (query filters and simulations).
    private func lineGroups(_ affected: [Int64], _ conns: [Int64: ConnectionRow]) throws -> [Group] {
        var noise: [Filter] = []
        for rule in options.noise { noise.append(try rule.predicate(now: options.now)) }
        // Every address is needed only to simulate `nets` rules; otherwise the lowest and highest are evidence enough.
        return try store.lineGroups(
            of: affected, window, filter: options.filter, noise: noise, nets: try nets(conns),
            everyAddress: options.simulation != nil
        ).map { Group($0, conns[$0.connection] ?? ConnectionRow()) }
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
    private func settle(_ builder: inout ConnectionBuilder, _ v: Verdicts, _ conns: [Int64: ConnectionRow]) throws {
        let open = builder.unsettled
        guard !open.isEmpty else { return }
        let srcs = Set(open.flatMap(\.src)), dsts = Set(open.flatMap(\.dst))
        var okVerdict: [Int64: Bool] = [:]
        let candidates = conns.filter { _, c in
            guard c.action == "allow", let t = c.traceID, let s = c.sourceEndpoint, let d = c.destEndpoint, srcs.contains(s), dsts.contains(d)
            else { return false }
            if okVerdict[t] == nil {
                okVerdict[t] = StagedVerdict.evaluate(v.byTrace[t], action: "allow", enforcing: options.enforcing).outcome == .allow
            }
            return okVerdict[t]!
        }.map(\.key)
        guard !candidates.isEmpty else { return }
        for key in try store.hourKeys(of: candidates, window) {
            guard let c = conns[key.connection] else { continue }
            builder.settle(
                srcEp: c.sourceEndpoint, dstEp: c.destEndpoint, netSourceIP: key.netSource.isEmpty ? nil : key.netSource,
                netDestIP: key.netDest.isEmpty ? nil : key.netDest, port: c.port, proto: c.proto, reporter: c.reporter)
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
        for e in try store.endpoints() {
            n.endpoints[e.id] = EndpointRef(
                type: e.type ?? "-", namespace: e.namespace ?? "-", name: e.nameAggr ?? "-", labels: StableLabels.filter(e.labels))
            n.fullLabels[e.id] = e.labels
        }
        for (id, ns, name, port) in try store.services() {
            if let port { n.servicePortNames[id] = port }
            if let name, name != "-" {
                n.services[id] = "\(ns ?? "-")/\(name)" + ((port.map { $0 == "-" ? "" : ":" + $0 }) ?? "")
            }
        }
        n.hosts = try store.hosts()
        n.lists = try store.stringLists()
        return n
    }

    private func hostEvidence(_ hosts: [Int64: String]) throws -> [ReadinessReport.HostEvidence] {
        var byHost: [Int64: (Int64?, Int64?, Int64)] = [:]
        for row in try store.hostTotals(window) { byHost[row.hostID] = (row.first, row.last, row.lines) }
        // A host that no line was ever stored under (the name of a file's directory, when every line carries its
        // own `host`) is no evidence of anything: only hosts with lines, in the window or not, are listed.
        let withLines = try store.hostsWithLines()
        return hosts.filter { withLines.contains($0.key) }.sorted(by: { $0.value < $1.value }).map { id, name in
            let (first, last, lines) = byHost[id] ?? (nil, nil, 0)
            let hours = first.flatMap { f in last.map { Double($0 - f) / 3600 } } ?? 0
            return ReadinessReport.HostEvidence(
                host: name, firstSeen: first, lastSeen: last, hours: (hours * 10).rounded() / 10, lines: lines,
                sufficient: lines > 0 && hours >= options.minimumWindowHours)
        }
    }

}

extension ReadinessAnalyzer.Group {
    /// A group of a connection's lines of one hour, with the fields the connection shares.
    init(_ h: ConnectionHour, _ c: ConnectionRow) {
        self.init(
            traceID: c.traceID, action: c.action, reporter: c.reporter, srcEp: c.sourceEndpoint, dstEp: c.destEndpoint,
            port: c.port, proto: c.proto, serviceID: c.serviceID, hostID: c.hostID, loopback: h.loopback, noise: h.noise,
            hour: h.hour, lines: h.lines, flows: h.flows, bytes: h.bytes, packets: h.packets, first: h.first, last: h.last,
            sourceIPs: h.sourceIPs, destIPs: h.destIPs, domainIDs: h.domainIDs, netSourceIP: h.netSource, netDestIP: h.netDest)
    }
}
