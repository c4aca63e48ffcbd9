import FlowLog

/// Writes realistic synthetic Felix flow-log lines for demos, tests and benchmarks, modelled on the cluster
/// of the seed lab (``SampleCluster``). Deterministic: the same configuration gives the same lines.
public struct SampleGenerator: Sendable {
    /// What to generate.
    public struct Configuration: Sendable {
        public var lines: Int
        public var era: Era
        public var seed: UInt64
        /// The first interval's start (Unix seconds).
        public var start: Int64
        /// How long the lines span, in seconds (the evidence window a report sees).
        public var span: Int64
        /// The flush interval: each line covers `[start_time, start_time + interval]`.
        public var interval: Int64
        /// Add fluentd's `host` and `@timestamp` keys (as lines exported from Elasticsearch have).
        public var fluentdKeys: Bool
        /// The order of map-built lists (policy hits, domains, labels).
        public var shape: Shape
        /// Application connections added to the lab's (``SampleMesh``).
        public var connections: Int
        /// Clusters the added connections are spread over (3 nodes each).
        public var clusters: Int
        /// Seconds between ReplicaSet rollouts of each added deployment (`nil`: no churn).
        public var churn: Int64?

        public init(
            lines: Int, era: Era = .v2, seed: UInt64 = 1, start: Int64 = 1_795_392_000, span: Int64 = 26 * 3600,
            interval: Int64 = 300, fluentdKeys: Bool = false, shape: Shape = .felix, connections: Int = 0,
            clusters: Int = 1, churn: Int64? = nil
        ) {
            self.shape = shape
            self.connections = connections
            self.clusters = max(1, clusters)
            self.churn = churn
            self.lines = lines
            self.era = era
            self.seed = seed
            self.start = start
            self.span = span
            self.interval = interval
            self.fluentdKeys = fluentdKeys
        }
    }

    /// How map-built lists are written.
    public enum Shape: String, Sendable, CaseIterable {
        /// As Felix writes them: policy hits, `dest_domains` and labels in a random order on every line
        /// (deterministic per seed), because Felix builds them from Go maps.
        case felix
        /// Sorted (hits by index): tidier than any real node.
        case tidy
    }

    /// One generated line and the node whose Felix wrote it.
    public struct Line: Sendable {
        public var node: String
        public var json: String
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// The names of the sample cluster's nodes.
    public static var nodes: [String] { SampleCluster.nodes }

    /// Calls `body` for every line, in time order.
    public func generate(_ body: (Line) throws -> Void) rethrows {
        let cfg = configuration
        var rng = SplitMix64(seed: cfg.seed)
        // The order of lists is drawn from its own sequence: the tidy and the felix shape of one seed hold the same
        // lines, only their lists' order differs.
        var orderRNG = SplitMix64(seed: cfg.seed ^ 0x5EED_0F0D_E125_7A11)
        let conns = SampleCluster.connections
        var cumulative: [Int] = []
        var total = 0
        for c in conns {
            total += c.weight
            cumulative.append(total)
        }
        let labTotal = total
        let mesh = SampleMesh(count: cfg.connections, clusters: cfg.clusters, churn: cfg.churn, seed: cfg.seed)
        total += cfg.connections
        let omit: Set<String> = cfg.era == .v0 || cfg.era == .v1a
            ? ["transit_bytes_in", "transit_bytes_out", "transit_packets_in", "transit_packets_out"] : []
        let encoder = FlowLineEncoder(style: .felix, omitting: omit)
        let n = max(cfg.lines, 1)
        for i in 0..<cfg.lines {
            let pick = Int(rng.next() % UInt64(total))
            let t = cfg.start + Int64(Double(i) / Double(n) * Double(cfg.span))
            let conn: SampleConnection
            var meshNodes: (String, String)?
            if pick < labTotal {
                var idx = 0
                while cumulative[idx] <= pick { idx += 1 }
                conn = conns[idx]
            } else {
                let (c, srcNode, dstNode) = mesh.connection(pick - labTotal, at: t)
                conn = c
                meshNodes = (srcNode, dstNode)
            }
            let startTime = t - t % cfg.interval
            let srcSide: Bool
            if conn.src.type == "net" {
                srcSide = false
            } else if conn.dst.type == "net" {
                srcSide = true
            } else {
                srcSide = rng.next() & 1 == 0
            }
            var record = line(conn, srcSide: srcSide, startTime: startTime, rng: &rng)
            if cfg.shape == .felix { Self.shuffleMapLists(&record, &orderRNG) }
            let node = meshNodes.map { srcSide ? $0.0 : $0.1 } ?? SampleCluster.nodes[(srcSide ? conn.src.node : conn.dst.node) ?? 0]
            var r = record
            if cfg.fluentdKeys {
                r[.host] = node
                r[.timestamp] = (startTime + cfg.interval) * 1000
            }
            try body(Line(node: node, json: encoder.encode(r)))
        }
    }

    private func line(_ c: SampleConnection, srcSide: Bool, startTime: Int64, rng: inout SplitMix64) -> FlowRecord {
        let era = configuration.era
        var r = FlowRecord()
        r[.startTime] = startTime
        r[.endTime] = startTime + configuration.interval
        // The lab's FelixConfiguration aggregates by source port only (kind 1), so IPs and names are kept;
        // DNS lines use the Felix default for allowed flows (kind 2: prefix names, no IPs) so both appear.
        let kind2 = c.service?.name == "kube-dns"
        func fill(_ e: SampleEndpoint, ip: TextKey, name: TextKey, aggr: TextKey, ns: TextKey, type: TextKey) {
            r[aggr] = e.nameAggr
            r[ns] = e.namespace
            r[type] = e.type
            if kind2 && e.type == "wep" {
                r[ip] = nil
                r[name] = "-"
            } else {
                r[ip] = e.ips[Int(rng.next() % UInt64(e.ips.count))]
                r[name] = e.type == "wep" ? String(e.nameAggr.dropLast()) + suffix(&rng)
                    : (e.type == "hep" ? e.nameAggr : "-")
            }
        }
        fill(c.src, ip: .sourceIP, name: .sourceName, aggr: .sourceNameAggr, ns: .sourceNamespace, type: .sourceType)
        fill(c.dst, ip: .destIP, name: .destName, aggr: .destNameAggr, ns: .destNamespace, type: .destType)
        r.sourceLabels = c.src.labels
        r.destLabels = c.dst.labels
        r[.sourcePort] = nil
        r[.destPort] = c.port
        if let s = c.service {
            r[.destServiceNamespace] = s.namespace
            r[.destServiceName] = s.name
            r[.destServicePort] = s.portName
            r[.destServicePortNum] = s.port
        } else {
            r[.destServiceNamespace] = "-"
            r[.destServiceName] = "-"
            r[.destServicePort] = "-"
        }
        r[.destDomains] = c.domains
        r[.proto] = c.proto
        r[.reporter] = srcSide ? "src" : "dst"
        let steps = srcSide ? c.srcSteps : c.dstSteps
        let endpoint = srcSide ? c.src : c.dst
        let traces = Traces(steps, era: era, pendingComputed: endpoint.type == "wep")
        r.policies = traces.lists
        r[.action] = traces.action.rawValue
        let flows = Int64(1 + rng.next() % 20)
        let packets = flows * Int64(2 + rng.next() % 40)
        r[.numFlows] = flows
        r[.numFlowsStarted] = Int64(rng.next() % UInt64(flows + 1))
        r[.numFlowsCompleted] = Int64(rng.next() % UInt64(flows + 1))
        r[.packetsIn] = traces.action == .allow ? packets : 0
        r[.packetsOut] = packets
        r[.bytesIn] = traces.action == .allow ? packets * Int64(60 + rng.next() % 1400) : 0
        r[.bytesOut] = packets * Int64(60 + rng.next() % 900)
        for k in [IntKey.transitBytesIn, .transitBytesOut, .transitPacketsIn, .transitPacketsOut] { r[k] = 0 }
        r[.httpRequestsAllowedIn] = 0
        r[.httpRequestsDeniedIn] = 0
        r[.processName] = srcSide ? c.process : "-"
        r[.numProcessNames] = srcSide && c.process != "-" ? 1 : 0
        r[.processID] = srcSide && c.process != "-" ? String(1000 + rng.next() % 30000) : "-"
        r[.numProcessIDs] = r[.numProcessNames]
        r[.processArgs] = ["-"]
        r[.numProcessArgs] = 0
        r[.natOutgoingPorts] = c.dst.type == "net" && c.src.type == "wep" ? [String(20000 + rng.next() % 40000)] : nil
        r[.originalSourceIPs] = nil
        r[.numOriginalSourceIPs] = 0
        let tcp = c.proto == "tcp"
        r[.tcpMeanSendCongestionWindow] = tcp ? Int64(10 + rng.next() % 50) : 0
        r[.tcpMinSendCongestionWindow] = tcp ? 10 : 0
        r[.tcpMeanSmoothRTT] = tcp ? Int64(100 + rng.next() % 5000) : 0
        r[.tcpMaxSmoothRTT] = tcp ? Int64(5000 + rng.next() % 20000) : 0
        r[.tcpMeanMinRTT] = tcp ? Int64(50 + rng.next() % 500) : 0
        r[.tcpMaxMinRTT] = tcp ? Int64(500 + rng.next() % 2000) : 0
        r[.tcpMeanMSS] = tcp ? 1448 : 0
        r[.tcpMinMSS] = tcp ? 1448 : 0
        r[.tcpTotalRetransmissions] = tcp ? Int64(rng.next() % 3) : 0
        r[.tcpLostPackets] = 0
        r[.tcpUnrecoveredTo] = 0
        return r
    }

    /// Puts the policy hits, domains and labels in a random order, as Felix's map iteration does.
    static func shuffleMapLists(_ r: inout FlowRecord, _ rng: inout SplitMix64) {
        func shuffled(_ list: [String]?) -> [String]? {
            guard var a = list, a.count > 1 else { return list }
            for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            return a
        }
        if var p = r.policies {
            for list in TraceList.allCases { p[list] = shuffled(p[list]) }
            r.policies = p
        }
        r[.destDomains] = shuffled(r[.destDomains])
        r.sourceLabels = shuffled(r.sourceLabels)
        r.destLabels = shuffled(r.destLabels)
    }

    private func suffix(_ rng: inout SplitMix64) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var s = ""
        for _ in 0..<5 { s.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
        return s
    }
}
