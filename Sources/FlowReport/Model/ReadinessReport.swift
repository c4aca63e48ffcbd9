/// The answer to "which legitimate traffic breaks when the staged policies are enforced?".
/// Encoded as JSON with stable names (schema: `Schemas/readiness-report.schema.json`).
public struct ReadinessReport: Codable, Sendable, Equatable {
    public var schemaVersion = 1
    public var generatedAt: String
    public var verdict: Verdict
    public var exitCode: Int32
    /// Why the verdict is what it is, one sentence each.
    public var reasons: [String]
    public var window: Window
    /// The staged policies treated as enforced (`["*"]`: all of them).
    public var enforcing: [String]
    public var evidence: [HostEvidence]
    public var summary: Summary
    public var connections: [Connection]
    /// Suggested Calico policy YAML that allows the would-break connections (empty when there are none).
    public var fixYAML: String
    public var caveats: [String]
    /// What changed since an earlier report (`--compare`).
    public var comparison: Comparison?

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", generatedAt = "generated_at", verdict, exitCode = "exit_code", reasons
        case window, enforcing, evidence, summary, connections, fixYAML = "fix_yaml", caveats, comparison
    }

    /// New and resolved connections against an earlier report.
    public struct Comparison: Codable, Sendable, Equatable {
        public var previousGeneratedAt: String
        public var previousVerdict: Verdict
        /// Connections affected now that were not (or were classified otherwise) before.
        public var new: [String]
        /// Connections affected before that are not now.
        public var resolved: [String]

        enum CodingKeys: String, CodingKey {
            case previousGeneratedAt = "previous_generated_at", previousVerdict = "previous_verdict", new, resolved
        }
    }

    /// Compares with an earlier report: a connection is identified by ``Connection/key`` and its classification.
    public mutating func compare(with previous: ReadinessReport) {
        let now = Set(connections.map { "\($0.classification.rawValue): \($0.key)" })
        let before = Set(previous.connections.map { "\($0.classification.rawValue): \($0.key)" })
        comparison = Comparison(
            previousGeneratedAt: previous.generatedAt, previousVerdict: previous.verdict,
            new: now.subtracting(before).sorted(), resolved: before.subtracting(now).sorted())
    }

    /// The overall verdict.
    public enum Verdict: String, Codable, Sendable {
        case ready = "READY"
        case notReady = "NOT READY"
        case insufficientEvidence = "INSUFFICIENT EVIDENCE"

        /// 0 ready, 3 not ready, 4 insufficient evidence (2 is for errors).
        public var exitCode: Int32 {
            switch self {
            case .ready: 0
            case .notReady: 3
            case .insufficientEvidence: 4
            }
        }
    }

    public struct Window: Codable, Sendable, Equatable {
        /// Unix seconds; `nil` when unbounded.
        public var since: Int64?
        public var until: Int64?
        public var minimumHours: Double

        enum CodingKeys: String, CodingKey { case since, until, minimumHours = "minimum_hours" }
    }

    /// What one node's flows cover.
    public struct HostEvidence: Codable, Sendable, Equatable {
        public var host: String
        public var firstSeen: Int64?
        public var lastSeen: Int64?
        public var hours: Double
        public var lines: Int64
        public var sufficient: Bool

        enum CodingKeys: String, CodingKey {
            case host, firstSeen = "first_seen", lastSeen = "last_seen", hours, lines, sufficient
        }
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var linesAnalysed: Int64
        public var connections: [String: Int]
        public var unknownLines: Int64
        public var unknownReasons: [String: Int64]
        /// Lines in the window that have the shape of a known Felix bug (``FelixTraceBug`` raw values), which
        /// decide no connection on their own.
        public var felixTraceBugs: [String: Int64] = [:]

        enum CodingKeys: String, CodingKey {
            case linesAnalysed = "lines_analysed", connections, unknownLines = "unknown_lines", unknownReasons = "unknown_reasons"
            case felixTraceBugs = "felix_trace_bugs"
        }

        public init(
            linesAnalysed: Int64, connections: [String: Int], unknownLines: Int64, unknownReasons: [String: Int64],
            felixTraceBugs: [String: Int64] = [:]
        ) {
            self.linesAnalysed = linesAnalysed
            self.connections = connections
            self.unknownLines = unknownLines
            self.unknownReasons = unknownReasons
            self.felixTraceBugs = felixTraceBugs
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            linesAnalysed = try c.decode(Int64.self, forKey: .linesAnalysed)
            connections = try c.decode([String: Int].self, forKey: .connections)
            unknownLines = try c.decode(Int64.self, forKey: .unknownLines)
            unknownReasons = try c.decode([String: Int64].self, forKey: .unknownReasons)
            // Reports written before this field (`--compare` reads them) have none.
            felixTraceBugs = try c.decodeIfPresent([String: Int64].self, forKey: .felixTraceBugs) ?? [:]
        }
    }
}

/// Lines of a connection in one hour.
public struct TimelinePoint: Codable, Sendable, Equatable {
    /// The hour's start, Unix seconds.
    public var hour: Int64
    public var lines: Int64
}

/// How an affected connection is classified.
public enum Classification: String, Codable, Sendable, CaseIterable, Comparable {
    /// Allowed today, denied once enforced.
    case wouldBreak = "would_break"
    /// Loopback traffic that would be denied: host endpoints with `interfaceName: "*"` police it.
    case localhost
    /// Host-endpoint traffic on a failsafe port: Felix keeps it open whatever the policy.
    case protectedByFailsafe = "protected_by_failsafe"
    /// Denied once enforced, and known noise (cloud metadata, or a rule of the user's).
    case expectedDenial = "expected_denial"
    /// No trace to decide from.
    case unknown
    /// Denied today, allowed once enforced.
    case wouldNewlyAllow = "would_newly_allow"

    /// Breaks legitimate traffic: blocks a rollout.
    public var isCritical: Bool { self == .wouldBreak || self == .localhost }

    public static func < (a: Classification, b: Classification) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public var title: String {
        switch self {
        case .wouldBreak: "Would break"
        case .localhost: "Localhost (would break)"
        case .protectedByFailsafe: "Protected by failsafe"
        case .expectedDenial: "Expected denial"
        case .unknown: "Unknown"
        case .wouldNewlyAllow: "Would newly allow"
        }
    }
}

/// One endpoint of a connection.
public struct EndpointRef: Codable, Sendable, Hashable {
    public var type: String
    public var namespace: String
    /// The aggregated name (pod prefix with `*`, host name, network set, `pub`/`pvt`).
    public var name: String
    /// Stable labels (pod-template-hash and the like dropped).
    public var labels: [String]
    /// For network endpoints (`net`): the address, when the lines carry it.
    public var ip: String?

    public init(type: String, namespace: String, name: String, labels: [String], ip: String? = nil) {
        self.type = type
        self.namespace = namespace
        self.name = name
        self.labels = labels
        self.ip = ip
    }

    public var display: String {
        namespace == "-" ? "\(type):\(name)" + (ip.map { " \($0)" } ?? "") : "\(namespace)/\(name)"
    }
}

/// The deciding policy hit of a connection.
public struct DecidingPolicy: Codable, Sendable, Equatable {
    public var kind: String
    public var tier: String
    public var namespace: String?
    public var name: String
    public var action: String
    public var rule: Int?
    public var endOfTier: Bool
    public var staged: Bool
    public var raw: String

    enum CodingKeys: String, CodingKey {
        case kind, tier, namespace, name, action, rule, endOfTier = "end_of_tier", staged, raw
    }

    /// `tier/kind:name rule N` or `end of tier`.
    public var display: String {
        let who = "\(kind):" + (namespace.map { "\($0)/" } ?? "") + name
        let rule = endOfTier ? "end of tier \(tier)" : (self.rule.map { "rule \($0)" } ?? "no rule index")
        return "\(who) (\(rule))"
    }
}

/// One side's evidence (the src- or dst-reported lines).
public struct SideEvidence: Codable, Sendable, Equatable {
    public var reporter: String
    public var today: String
    public var enforced: String
    public var lines: Int64
    public var flows: Int64
    public var hosts: [String]
    public var approximate: Bool
    public var failsafe: Bool
}

/// An affected connection.
public struct Connection: Codable, Sendable, Equatable {
    public var classification: Classification
    public var critical: Bool
    public var source: EndpointRef
    public var destination: EndpointRef
    public var service: String?
    public var port: Int64?
    public var protocolName: String
    public var decidingPolicy: DecidingPolicy?
    public var reason: String?
    public var sides: [SideEvidence]
    public var lines: Int64
    public var flows: Int64
    public var bytes: Int64
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var hosts: [String]
    /// Lines per hour, for the timeline.
    public var timeline: [TimelinePoint]
    /// Up to 20 source and destination IPs seen (empty when aggregated away).
    public var sourceIPs: [String]
    public var destIPs: [String]
    /// Destination domains learnt by DNS.
    public var domains: [String]
    /// A KQL query that shows this connection's flows.
    public var kql: String

    enum CodingKeys: String, CodingKey {
        case classification, critical, source, destination, service, port, protocolName = "protocol"
        case decidingPolicy = "deciding_policy", reason, sides, lines, flows, bytes, firstSeen = "first_seen"
        case lastSeen = "last_seen", hosts, timeline, sourceIPs = "source_ips", destIPs = "dest_ips", domains, kql
    }

    /// Identifies the connection across reports (for `--compare`).
    public var key: String {
        "\(source.type)|\(source.namespace)|\(source.name)->\(destination.type)|\(destination.namespace)|\(destination.name):\(port.map(String.init) ?? "-")/\(protocolName)"
    }
}
