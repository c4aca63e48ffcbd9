import FlowLog

/// Traffic direction relative to the endpoint whose policy applies.
public enum Direction: String, Sendable {
    case ingress = "Ingress", egress = "Egress"
}

/// A Calico tier.
public struct Tier: Sendable, Equatable {
    public var name: String
    /// `nil`: evaluated after the ordered tiers.
    public var order: Double?
    /// What happens when policies of the tier select the endpoint and none decides: Deny (default) or Pass.
    public var defaultAction: PolicyAction
}

/// A port or port range, or a named port.
public enum PortMatch: Sendable, Equatable {
    case range(Int64, Int64)
    case named(String)
}

/// One side (`source` or `destination`) of a rule.
public struct EntityRule: Sendable, Equatable {
    public var nets: [String] = []
    public var notNets: [String] = []
    public var selector: Selector?
    public var notSelector: Selector?
    public var namespaceSelector: Selector?
    public var serviceAccounts = false
    public var ports: [PortMatch] = []
    public var notPorts: [PortMatch] = []
    public var domains: [String] = []
    public var services = false

    public init() {}
}

/// A policy rule.
public struct Rule: Sendable, Equatable {
    public enum Action: String, Sendable { case allow = "Allow", deny = "Deny", pass = "Pass", log = "Log" }

    public var action: Action
    public var proto: String?
    public var notProto: String?
    public var source = EntityRule()
    public var destination = EntityRule()
    public var icmp = false
    public var notICMP = false
    public var http = false

    public init(action: Action) { self.action = action }
}

/// A policy of any kind (Calico, staged, or Kubernetes converted to Calico's form).
public struct Policy: Sendable, Equatable {
    public var kind: PolicyKind
    public var name: String
    public var namespace: String?
    public var tier: String
    public var order: Double?
    public var selector: Selector
    public var namespaceSelector: Selector?
    public var serviceAccountSelector: Bool
    public var types: Set<String>
    public var ingress: [Rule]
    public var egress: [Rule]
    /// Forwarded or pre-DNAT traffic only: out of scope, never applied.
    public var applyOnForwardOnly: Bool
    public var file: String
    public var line: Int

    public var isStaged: Bool { kind.isStaged }
    public var qualifiedName: String { namespace.map { "\($0)/\(name)" } ?? name }
}

/// A profile (applied after every tier).
public struct Profile: Sendable, Equatable {
    public var name: String
    public var ingress: [Rule]
    public var egress: [Rule]
}

/// A HostEndpoint resource: labels and profiles of a node's host endpoint.
public struct HostEndpoint: Sendable, Equatable {
    public var name: String
    public var node: String?
    public var labels: [String: String]
    public var profiles: [String]
    public var expectedIPs: [String]
}

/// A GlobalNetworkSet or NetworkSet: labelled networks that rule selectors can match.
public struct NetworkSet: Sendable, Equatable {
    public var name: String
    public var namespace: String?
    public var nets: [String]
    public var labels: [String: String]
}

/// Everything read from the YAML files.
public struct PolicySet: Sendable {
    public var tiers: [String: Tier] = [:]
    /// Tier names in the order they first appeared (for tiers without a Tier resource).
    public var tierAppearance: [String] = []
    public var policies: [Policy] = []
    public var profiles: [String: Profile] = [:]
    public var hostEndpoints: [HostEndpoint] = []
    public var networkSets: [NetworkSet] = []
    /// FelixConfiguration failsafe ports as `proto:port` (nil: not given).
    public var failsafeInbound: [String]?
    public var failsafeOutbound: [String]?
    /// Things the simulator does not evaluate (HTTP matches, applyOnForward, preDNAT…), with where they are.
    public var warnings: [String] = []

    public init() {}

    /// The tiers Calico creates itself, as it creates them when the files do not declare them: `allow-tigera`
    /// (renamed `calico-system` in 3.32) at order 100, `kube-admin` (3.32; `adminnetworkpolicy` before) at 1,000,
    /// `default` at 1,000,000, `kube-baseline` (3.32; `baselineadminnetworkpolicy` before) at 10,000,000. The
    /// managed tiers pass what their policies do not match.
    public static let builtInTiers: [String: Tier] = [
        "allow-tigera": Tier(name: "allow-tigera", order: 100, defaultAction: .pass),
        "calico-system": Tier(name: "calico-system", order: 100, defaultAction: .pass),
        "kube-admin": Tier(name: "kube-admin", order: 1_000, defaultAction: .pass),
        "adminnetworkpolicy": Tier(name: "adminnetworkpolicy", order: 1_000, defaultAction: .pass),
        "default": Tier(name: "default", order: 1_000_000, defaultAction: .deny),
        "kube-baseline": Tier(name: "kube-baseline", order: 10_000_000, defaultAction: .pass),
        "baselineadminnetworkpolicy": Tier(name: "baselineadminnetworkpolicy", order: 10_000_000, defaultAction: .pass),
    ]

    /// Whether Calico creates and manages the tier itself (every built-in tier but `default`): no policy of ours
    /// belongs there.
    public static func isManagedTier(_ name: String) -> Bool { name != "default" && builtInTiers[name] != nil }

    /// Tiers in evaluation order: by `order` (unset: in order of appearance, before `default`), `default` last
    /// unless given an order; Calico's own tiers at their built-in orders unless the files declare them.
    public func orderedTiers() -> [Tier] {
        var names = tierAppearance
        for n in tiers.keys where !names.contains(n) { names.append(n) }
        let all = names.map { tiers[$0] ?? Self.builtInTiers[$0] ?? Tier(name: $0, order: nil, defaultAction: .deny) }
        return all.enumerated().sorted { a, b in
            let oa = a.element.order ?? (a.element.name == "default" ? 1_000_000 : 999_999 + Double(a.offset) / 1000)
            let ob = b.element.order ?? (b.element.name == "default" ? 1_000_000 : 999_999 + Double(b.offset) / 1000)
            return oa != ob ? oa < ob : a.element.name < b.element.name
        }.map(\.element)
    }
}
