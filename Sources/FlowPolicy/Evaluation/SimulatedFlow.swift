/// One side of a flow as the log shows it, for the simulator.
public struct SimulatedEndpoint: Sendable {
    /// `wep`, `hep`, `ns` or `net`.
    public var type: String
    /// `nil` for non-namespaced endpoints.
    public var namespace: String?
    /// The aggregated name (the host name for host endpoints).
    public var name: String
    /// `nil` when the log carries no labels.
    public var labels: [String: String]?
    /// The addresses seen; empty when aggregated away.
    public var ips: [String]
    /// This side's port: the destination port, or the source port (`nil` when aggregated away).
    public var port: Int64?
    /// The destination's service port name, when the log names it.
    public var portName: String?
    /// Domains learnt for the destination.
    public var domains: [String]

    public init(
        type: String, namespace: String?, name: String, labels: [String: String]?, ips: [String], port: Int64?,
        portName: String? = nil, domains: [String] = []
    ) {
        self.type = type
        self.namespace = namespace
        self.name = name
        self.labels = labels
        self.ips = ips
        self.port = port
        self.portName = portName
        self.domains = domains
    }
}

/// A flow to evaluate: the endpoint whose policy applies is the source for egress, the destination for ingress.
public struct SimulatedFlow: Sendable {
    public var direction: Direction
    public var source: SimulatedEndpoint
    public var destination: SimulatedEndpoint
    public var proto: String?

    public init(direction: Direction, source: SimulatedEndpoint, destination: SimulatedEndpoint, proto: String?) {
        self.direction = direction
        self.source = source
        self.destination = destination
        self.proto = proto
    }

    var local: SimulatedEndpoint { direction == .egress ? source : destination }
}

/// What the simulator decided.
public struct SimulationResult: Sendable, Equatable {
    public enum Outcome: String, Sendable { case allow, deny, uncertain }

    public var outcome: Outcome
    /// The deciding policy and rule (`nil` for profiles' default behaviour).
    public var policy: String?
    public var kind: String?
    public var tier: String?
    public var ruleIndex: Int?
    /// Why the result is uncertain, or how it was reached.
    public var reason: String?
}
