import FlowLog

/// Joins grouped lines into connections and classifies them.
struct ConnectionBuilder {
    let options: ReadinessOptions
    let names: ReadinessAnalyzer.Names

    private(set) var unknownLines: Int64 = 0
    private(set) var unknownReasons: [String: Int64] = [:]
    private var byKey: [String: Accumulator] = [:]

    init(options: ReadinessOptions, names: ReadinessAnalyzer.Names) {
        self.options = options
        self.names = names
    }

    /// What one group of lines means once the staged policies are enforced.
    enum Category: Int, Comparable {
        // Most severe first: a connection takes the most severe category of its lines.
        case wouldBreak, localhost, unknown, failsafe, expectedDenial, newlyAllow, unaffected

        static func < (a: Category, b: Category) -> Bool { a.rawValue < b.rawValue }

        var classification: Classification? {
            switch self {
            case .wouldBreak: .wouldBreak
            case .localhost: .localhost
            case .unknown: .unknown
            case .failsafe: .protectedByFailsafe
            case .expectedDenial: .expectedDenial
            case .newlyAllow: .wouldNewlyAllow
            case .unaffected: nil
            }
        }
    }

    /// One side (src- or dst-reported lines) of a connection.
    final class Side {
        var today: Set<String> = []
        var enforced: Set<String> = []
        var lines: Int64 = 0
        var flows: Int64 = 0
        var hosts: Set<String> = []
        var approximate = false
        var failsafe = false
        /// The most severe category among lines with a verdict; `nil` when every line is unknown.
        var decided: Category?
        var decidedHit: PolicyHit?
        var decidedReason: String?
        var unknownReason: String?

        /// A side with any decided line follows them (an earlier era's trace still tells what enforcement
        /// does); a side with only unknown lines is unknown.
        var category: Category { decided ?? (unknownReason != nil ? .unknown : .unaffected) }
    }

    final class Accumulator {
        let key: String
        var source: EndpointRef
        var destination: EndpointRef
        var sourceIDs: Set<Int64> = []
        var destIDs: Set<Int64> = []
        var service: String?
        var port: Int64?
        var proto: String
        var sides: [String: Side] = [:]
        var lines: Int64 = 0
        var flows: Int64 = 0
        var bytes: Int64 = 0
        var first = Int64.max
        var last = Int64.min
        var hosts: Set<String> = []
        var timeline: [Int64: Int64] = [:]
        var sourceIPs: Set<String> = []
        var destIPs: Set<String> = []
        var domains: Set<String> = []

        init(key: String, source: EndpointRef, destination: EndpointRef, port: Int64?, proto: String) {
            self.key = key
            self.source = source
            self.destination = destination
            self.port = port
            self.proto = proto
        }
    }

    mutating func add(_ g: ReadinessAnalyzer.Group, verdict: StagedVerdict) {
        let (src, dst) = endpoints(g.srcEp, g.dstEp, netSourceIP: g.netSourceIP, netDestIP: g.netDestIP)
        let proto = g.proto ?? "-"
        let reporter = Self.side(g.reporter)
        let host = g.hostID.flatMap { names.hosts[$0] } ?? "-"
        let (category, reason) = categorize(g, verdict: verdict, reporter: reporter, src: src, dst: dst)
        if verdict.outcome == .unknown {
            unknownLines += g.lines
            unknownReasons[verdict.reason ?? "unknown", default: 0] += g.lines
        }
        let acc = accumulator(src, dst, port: g.port, proto: proto)
        if let s = g.srcEp { acc.sourceIDs.insert(s) }
        if let d = g.dstEp { acc.destIDs.insert(d) }
        // Labels of aggregated lines are an intersection: keep what every line agrees on.
        if acc.source.labels != src.labels { acc.source.labels = acc.source.labels.filter(src.labels.contains) }
        if acc.destination.labels != dst.labels { acc.destination.labels = acc.destination.labels.filter(dst.labels.contains) }
        if acc.service == nil { acc.service = g.serviceID.flatMap { names.services[$0] } }
        let side = acc.sides[reporter] ?? Side()
        acc.sides[reporter] = side
        // Ties are broken on the text (the reason, then the deciding hit), never on the order rows arrive in: the
        // same lines give the same report whatever their ids (a migrated store, another backend).
        if category == .unknown {
            if let reason, side.unknownReason.map({ reason < $0 }) ?? true { side.unknownReason = reason }
        } else if category != .unaffected || side.decided != nil {
            let replaces = side.decided.map { decided in
                category != decided
                    ? category < decided
                    : (reason ?? "", verdict.deciding?.raw ?? "") < (side.decidedReason ?? "", side.decidedHit?.raw ?? "")
            }
            if replaces ?? true {
                side.decided = category
                side.decidedHit = verdict.deciding
                side.decidedReason = reason
            }
        } else {
            side.decided = .unaffected
        }
        side.today.insert(g.action ?? "-")
        side.enforced.insert(verdict.outcome.rawValue)
        side.lines += g.lines
        side.flows += g.flows
        side.hosts.insert(host)
        side.approximate = side.approximate || verdict.approximate
        side.failsafe = side.failsafe || category == .failsafe
        acc.lines += g.lines
        acc.flows += g.flows
        acc.bytes += g.bytes
        acc.first = min(acc.first, g.first)
        acc.last = max(acc.last, g.last)
        acc.hosts.insert(host)
        acc.timeline[g.hour * 3600, default: 0] += g.lines
        acc.sourceIPs.formUnion(g.sourceIPs)
        acc.destIPs.formUnion(g.destIPs)
        for id in g.domainIDs { acc.domains.formUnion(names.lists[id] ?? []) }
    }

    /// Lines that enforcement leaves as they are, on a side that otherwise has only unknown lines.
    mutating func settle(srcEp: Int64?, dstEp: Int64?, netSourceIP: String?, netDestIP: String?, port: Int64?, proto: String?, reporter: String?) {
        let (src, dst) = endpoints(srcEp, dstEp, netSourceIP: netSourceIP, netDestIP: netDestIP)
        guard let acc = byKey[Self.key(src, dst, port: port, proto: proto ?? "-")], let side = acc.sides[Self.side(reporter)] else { return }
        if side.decided == nil { side.decided = .unaffected }
    }

    /// The source and destination of a connection, networks with their address.
    private func endpoints(_ srcEp: Int64?, _ dstEp: Int64?, netSourceIP: String?, netDestIP: String?)
        -> (EndpointRef, EndpointRef)
    {
        let unknown = EndpointRef(type: "-", namespace: "-", name: "-", labels: [])
        var src = srcEp.flatMap { names.endpoints[$0] } ?? unknown
        var dst = dstEp.flatMap { names.endpoints[$0] } ?? unknown
        src.ip = netSourceIP
        dst.ip = netDestIP
        return (src, dst)
    }

    /// Connections with a side that has only unknown lines (their endpoints, for ``settle``).
    var unsettled: [(src: Set<Int64>, dst: Set<Int64>)] {
        byKey.values.filter { $0.sides.values.contains { $0.decided == nil } }.map { ($0.sourceIDs, $0.destIDs) }
    }

    static func side(_ reporter: String?) -> String {
        let r = reporter ?? "-"
        return r.hasPrefix("dst") ? "dst" : (r.hasPrefix("src") ? "src" : r)
    }

    static func key(_ src: EndpointRef, _ dst: EndpointRef, port: Int64?, proto: String) -> String {
        "\(src.type)|\(src.namespace)|\(src.name)|\(src.ip ?? "")|\(dst.type)|\(dst.namespace)|\(dst.name)|\(dst.ip ?? "")|\(port.map(String.init) ?? "-")|\(proto)"
    }

    private mutating func accumulator(_ src: EndpointRef, _ dst: EndpointRef, port: Int64?, proto: String) -> Accumulator {
        let key = Self.key(src, dst, port: port, proto: proto)
        if let a = byKey[key] { return a }
        let a = Accumulator(key: key, source: src, destination: dst, port: port, proto: proto)
        byKey[key] = a
        return a
    }

    private func categorize(
        _ g: ReadinessAnalyzer.Group, verdict: StagedVerdict, reporter: String, src: EndpointRef, dst: EndpointRef
    ) -> (Category, String?) {
        switch (g.action, verdict.outcome) {
        case ("allow", .deny):
            // Failsafes: host endpoints only; inbound on the destination host, outbound on the source host.
            let inbound = reporter == "dst"
            let hostSide = inbound ? dst.type == "hep" : src.type == "hep"
            let peers = inbound ? g.sourceIPs : g.destIPs
            if hostSide,
                options.failsafes.covers(inbound: inbound, proto: g.proto, port: g.port, peerIP: peers.first),
                peers.allSatisfy({ options.failsafes.covers(inbound: inbound, proto: g.proto, port: g.port, peerIP: $0) })
            {
                return (.failsafe, "\(g.proto ?? "?"):\(g.port.map(String.init) ?? "?") is a failsafe \(inbound ? "inbound" : "outbound") port: Felix keeps it open on host endpoints")
            }
            if g.loopback {
                return (.localhost, "loopback traffic: host endpoints with interfaceName \"*\" police it; allow 127.0.0.0/8 and ::1/128")
            }
            if let i = g.noise {
                return (.expectedDenial, options.noise[i].reason)
            }
            if verdict.source == .simulation {
                return (.wouldBreak, verdict.deciding.map { "denied by \($0.qualifiedName) in the simulation" })
            }
            return (.wouldBreak, verdict.deciding.map { $0.isStaged ? nil : "an enforced policy changed since the flow started" } ?? nil)
        case ("deny", .allow):
            return (.newlyAllow, verdict.deciding.map { "allowed by \($0.qualifiedName) once enforced" })
        case ("allow", .unknown):
            return (.unknown, verdict.reason)
        default:
            return (.unaffected, nil)
        }
    }

    func connections() -> [Connection] {
        byKey.values.compactMap { a -> Connection? in
            // The connection takes its most severe side: either side denying breaks it.
            guard let worst = a.sides.sorted(by: { $0.key < $1.key }).map(\.value).min(by: { $0.category < $1.category }),
                let cls = worst.category.classification
            else { return nil }
            let deciding = worst.category == .unknown ? nil : worst.decidedHit
            let reason = worst.category == .unknown ? worst.unknownReason : worst.decidedReason
            let d = deciding.map {
                DecidingPolicy(
                    kind: $0.kind.rawValue, tier: $0.tier, namespace: $0.namespace, name: $0.name,
                    action: $0.action.rawValue, rule: $0.ruleIndex, endOfTier: $0.isEndOfTier, staged: $0.isStaged, raw: $0.raw)
            }
            let sides = a.sides.keys.sorted().map { k -> SideEvidence in
                let s = a.sides[k]!
                return SideEvidence(
                    reporter: k, today: s.today.sorted().joined(separator: ","), enforced: s.enforced.sorted().joined(separator: ","),
                    lines: s.lines, flows: s.flows, hosts: s.hosts.sorted(), approximate: s.approximate, failsafe: s.failsafe)
            }
            return Connection(
                classification: cls, critical: cls.isCritical, source: a.source, destination: a.destination,
                service: a.service, port: a.port, protocolName: a.proto, decidingPolicy: d, reason: reason, sides: sides,
                lines: a.lines, flows: a.flows, bytes: a.bytes, firstSeen: a.first == .max ? 0 : a.first,
                lastSeen: a.last == .min ? 0 : a.last, hosts: a.hosts.sorted(),
                timeline: a.timeline.keys.sorted().map { TimelinePoint(hour: $0, lines: a.timeline[$0]!) },
                sourceIPs: Array(a.sourceIPs.sorted().prefix(20)), destIPs: Array(a.destIPs.sorted().prefix(20)),
                domains: a.domains.sorted(), kql: Self.kql(a))
        }.sorted { x, y in
            if x.classification != y.classification { return x.classification < y.classification }
            if x.lines != y.lines { return x.lines > y.lines }
            return x.key < y.key
        }
    }

    /// A KQL query showing the connection's flows.
    static func kql(_ a: Accumulator) -> String {
        func q(_ s: String) -> String {
            "\"" + s.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        }
        var parts: [String] = []
        parts.append("source_type:\(q(a.source.type))")
        if a.source.namespace != "-" { parts.append("source_namespace:\(q(a.source.namespace))") }
        parts.append("source_name_aggr:\(q(a.source.name))")
        parts.append("dest_type:\(q(a.destination.type))")
        if a.destination.namespace != "-" { parts.append("dest_namespace:\(q(a.destination.namespace))") }
        parts.append("dest_name_aggr:\(q(a.destination.name))")
        if let ip = a.source.ip { parts.append("source_ip:\(q(ip))") }
        if let ip = a.destination.ip { parts.append("dest_ip:\(q(ip))") }
        if let p = a.port { parts.append("dest_port:\(p)") }
        if a.proto != "-" { parts.append("proto:\(q(a.proto))") }
        return parts.joined(separator: " and ")
    }
}
