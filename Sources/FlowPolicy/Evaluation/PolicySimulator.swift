import FlowLog

/// Evaluates Calico policies against a flow, as Felix does: tiers by order, policies by order within a tier,
/// Pass to the next tier, the tier's default action when it selected the endpoint and nothing decided, then
/// profiles. Ingress on the destination endpoint, egress on the source. Where the log lacks what a rule needs
/// (an address aggregated away, labels not logged, a source port, a service account), the result is
/// **uncertain** with the reason, never a guess. Failsafe ports are left to the report's classification.
public struct PolicySimulator: Sendable {
    public let set: PolicySet
    /// Staged policies treated as enforced (`nil`: all; `[]`: none).
    public let enforcing: StagedSelection?
    public let includeStaged: Bool
    private let tiers: [Tier]

    public init(_ set: PolicySet, enforcing: StagedSelection? = nil, includeStaged: Bool = true) {
        self.set = set
        self.enforcing = enforcing
        self.includeStaged = includeStaged
        tiers = set.orderedTiers()
    }

    enum Tri { case yes, no, uncertain(String) }

    public func evaluate(_ flow: SimulatedFlow) -> SimulationResult {
        let local = augmented(flow.local)
        let flow = SimulatedFlow(
            direction: flow.direction, source: augmented(flow.source), destination: augmented(flow.destination),
            proto: flow.proto)
        for tier in tiers {
            let policies = set.policies.filter { $0.tier == tier.name && applies($0) }.sorted {
                ($0.order ?? .infinity, $0.name) < ($1.order ?? .infinity, $1.name)
            }
            var selected: [Policy] = []
            for p in policies {
                switch selects(p, local, flow.direction) {
                case .yes: selected.append(p)
                case .no: continue
                case .uncertain(let why): return uncertain("whether \(p.qualifiedName) selects the endpoint: \(why)", p, tier)
                }
            }
            guard !selected.isEmpty else { continue }
            var passed = false
            policyLoop: for p in selected {
                let rules = flow.direction == .ingress ? p.ingress : p.egress
                for (i, rule) in rules.enumerated() {
                    switch matches(rule, flow, policy: p) {
                    case .no: continue
                    case .uncertain(let why): return uncertain("rule \(i) of \(p.qualifiedName): \(why)", p, tier, rule: i)
                    case .yes:
                        switch rule.action {
                        case .allow: return decided(.allow, p, tier, rule: i)
                        case .deny: return decided(.deny, p, tier, rule: i)
                        case .pass:
                            passed = true
                            break policyLoop
                        case .log: continue
                        }
                    }
                }
            }
            if passed { continue }
            if tier.defaultAction == .deny { return decided(.deny, selected[0], tier, rule: -1) }
        }
        return profiles(flow, local)
    }

    private func applies(_ p: Policy) -> Bool {
        if p.applyOnForwardOnly { return false }
        if p.isStaged { return includeStaged && (enforcing.map { $0.matchesPolicy(p.name, namespace: p.namespace, tier: p.tier) } ?? true) }
        return true
    }

    private func decided(_ o: SimulationResult.Outcome, _ p: Policy, _ t: Tier, rule: Int) -> SimulationResult {
        SimulationResult(
            outcome: o, policy: p.qualifiedName, kind: p.kind.rawValue, tier: t.name, ruleIndex: rule,
            reason: rule == -1 ? "end of tier \(t.name)" : nil)
    }

    private func uncertain(_ why: String, _ p: Policy?, _ t: Tier?, rule: Int? = nil) -> SimulationResult {
        SimulationResult(
            outcome: .uncertain, policy: p?.qualifiedName, kind: p?.kind.rawValue, tier: t?.name, ruleIndex: rule, reason: why)
    }

    // MARK: Endpoints

    static func namespaceLabels(_ ns: String) -> [String: String] {
        ["projectcalico.org/name": ns, "kubernetes.io/metadata.name": ns]
    }

    /// Adds the labels Calico gives endpoints: namespace and orchestrator for pods, a HostEndpoint's labels for
    /// hosts, a network set's labels for networks.
    func augmented(_ e: SimulatedEndpoint) -> SimulatedEndpoint {
        var e = e
        switch e.type {
        case "wep":
            if let ns = e.namespace, e.labels != nil {
                e.labels!["projectcalico.org/namespace"] = ns
                e.labels!["projectcalico.org/orchestrator"] = "k8s"
            }
        case "hep":
            if let hep = hostEndpoint(e.name) {
                e.labels = (e.labels ?? [:]).merging(hep.labels) { $1 }
            }
        default:
            if !e.ips.isEmpty {
                for set in set.networkSets where e.ips.allSatisfy({ ip in set.nets.contains { IPAddress.contains(cidr: $0, ip) } }) {
                    e.labels = (e.labels ?? [:]).merging(set.labels) { $1 }
                    e.namespace = e.namespace ?? set.namespace
                }
            }
        }
        return e
    }

    func hostEndpoint(_ name: String) -> HostEndpoint? {
        set.hostEndpoints.first { $0.node == name || $0.name == name || $0.name == name + "-auto-hep" }
    }

    private func selects(_ p: Policy, _ e: SimulatedEndpoint, _ d: Direction) -> Tri {
        guard p.types.contains(d.rawValue) else { return .no }
        if e.type == "net" || e.type == "ns" { return .no }
        if let ns = p.namespace {
            guard e.type == "wep", e.namespace == ns else { return .no }
        }
        if p.serviceAccountSelector { return .uncertain("serviceAccountSelector: the log does not name service accounts") }
        if let nsSel = p.namespaceSelector {
            let nsLabels = e.namespace.map(Self.namespaceLabels) ?? [:]
            if !nsSel.matches(nsLabels, namespaced: e.namespace != nil) { return .no }
        }
        if p.selector == .all { return .yes }
        guard let labels = e.labels else { return .uncertain("the endpoint's labels are not logged") }
        return p.selector.matches(labels) ? .yes : .no
    }

    // MARK: Rules

    private func and(_ parts: [Tri]) -> Tri {
        var unsure: String? = nil
        for p in parts {
            switch p {
            case .no: return .no
            case .uncertain(let w): unsure = unsure ?? w
            case .yes: continue
            }
        }
        return unsure.map { .uncertain($0) } ?? .yes
    }

    private func not(_ t: Tri) -> Tri {
        switch t {
        case .yes: return .no
        case .no: return .yes
        case .uncertain: return t
        }
    }

    static func protocolNumber(_ p: String) -> String {
        switch p.lowercased() {
        case "tcp", "6": return "6"
        case "udp", "17": return "17"
        case "icmp", "1": return "1"
        case "icmpv6", "icmp6", "58": return "58"
        case "sctp", "132": return "132"
        case "udplite", "136": return "136"
        case "ipip", "4": return "4"
        case "esp", "50": return "50"
        default: return p.lowercased()
        }
    }

    func matches(_ r: Rule, _ f: SimulatedFlow, policy: Policy) -> Tri {
        var parts: [Tri] = []
        let proto = f.proto.map(Self.protocolNumber)
        if let rp = r.proto {
            guard let proto else { return .uncertain("the protocol is not logged") }
            parts.append(Self.protocolNumber(rp) == proto ? .yes : .no)
        }
        if let np = r.notProto {
            guard let proto else { return .uncertain("the protocol is not logged") }
            parts.append(Self.protocolNumber(np) == proto ? .no : .yes)
        }
        if r.icmp || r.notICMP {
            if proto == "1" || proto == "58" { parts.append(.uncertain("ICMP type and code are not logged")) }
        }
        if r.http { parts.append(.uncertain("HTTP match is out of scope")) }
        parts.append(entity(r.source, f.source, isDestination: false, policy: policy))
        parts.append(entity(r.destination, f.destination, isDestination: true, policy: policy))
        return and(parts)
    }

    private func entity(_ e: EntityRule, _ ep: SimulatedEndpoint, isDestination: Bool, policy: Policy) -> Tri {
        var parts: [Tri] = []
        let side = isDestination ? "destination" : "source"
        if !e.nets.isEmpty { parts.append(nets(e.nets, ep, side)) }
        if !e.notNets.isEmpty { parts.append(not(nets(e.notNets, ep, side))) }
        if e.selector != nil || e.namespaceSelector != nil {
            parts.append(selectorMatch(e.selector ?? .all, e.namespaceSelector, ep, policy: policy, side: side))
        }
        if let ns = e.notSelector {
            parts.append(not(selectorMatch(ns, nil, ep, policy: policy, side: side)))
        }
        if e.serviceAccounts { parts.append(.uncertain("serviceAccounts: the log does not name service accounts")) }
        if e.services { parts.append(.uncertain("services match: out of scope")) }
        if !e.ports.isEmpty { parts.append(ports(e.ports, ep, side)) }
        if !e.notPorts.isEmpty { parts.append(not(ports(e.notPorts, ep, side))) }
        if !e.domains.isEmpty {
            parts.append(
                ep.domains.contains { d in e.domains.contains { Self.domainMatches($0, d) } } ? .yes : .no)
        }
        return and(parts)
    }

    static func domainMatches(_ pattern: String, _ domain: String) -> Bool {
        let p = pattern.lowercased(), d = domain.lowercased()
        if p.hasPrefix("*.") { return d.hasSuffix(String(p.dropFirst(1))) }
        return Wildcard.matches(p, d)
    }

    private func nets(_ nets: [String], _ ep: SimulatedEndpoint, _ side: String) -> Tri {
        guard !ep.ips.isEmpty else { return .uncertain("the \(side) address is aggregated away") }
        let hits = ep.ips.map { ip in nets.contains { IPAddress.contains(cidr: $0, ip) } }
        if hits.allSatisfy({ $0 }) { return .yes }
        if hits.allSatisfy({ !$0 }) { return .no }
        return .uncertain("the \(side) addresses of these lines fall on both sides of \(nets.joined(separator: ","))")
    }

    private func selectorMatch(_ sel: Selector, _ nsSel: Selector?, _ ep: SimulatedEndpoint, policy: Policy, side: String) -> Tri {
        // Networks are matched by selectors only through network sets.
        if ep.type == "net" && ep.labels == nil { return .no }
        if let nsSel {
            let nsLabels = ep.namespace.map(Self.namespaceLabels) ?? [:]
            if !nsSel.matches(nsLabels, namespaced: ep.namespace != nil) { return .no }
        } else if let ns = policy.namespace {
            // A namespaced policy's selector matches endpoints of its own namespace.
            guard ep.namespace == ns else { return .no }
        }
        if sel == .all { return .yes }
        guard let labels = ep.labels else { return .uncertain("the \(side)'s labels are not logged") }
        if sel.matches(labels) { return .yes }
        // Aggregated lines keep only the labels every contributing endpoint shares.
        if labels.isEmpty && ep.type != "net" { return .uncertain("the \(side)'s labels were dropped by aggregation") }
        return .no
    }

    private func ports(_ ports: [PortMatch], _ ep: SimulatedEndpoint, _ side: String) -> Tri {
        var unsure: String? = nil
        for p in ports {
            switch p {
            case .range(let lo, let hi):
                guard let port = ep.port else {
                    unsure = "the \(side) port is aggregated away"
                    continue
                }
                if port >= lo && port <= hi { return .yes }
            case .named(let name):
                guard let n = ep.portName, n != "-" else {
                    unsure = "named port \(name): the log does not name the port"
                    continue
                }
                if n == name { return .yes }
            }
        }
        return unsure.map { .uncertain($0) } ?? .no
    }

    // MARK: Profiles

    private func profiles(_ f: SimulatedFlow, _ local: SimulatedEndpoint) -> SimulationResult {
        var names: [String]
        switch local.type {
        case "wep": names = local.namespace.map { ["kns.\($0)"] } ?? []
        case "hep":
            if let hep = hostEndpoint(local.name) {
                names = hep.profiles
            } else if local.labels?["projectcalico.org/auto-hep"] != nil || local.labels?["projectcalico.org/created-by"] != nil {
                names = ["projectcalico-default-allow"]
            } else {
                names = []
            }
        default: names = []
        }
        for name in names {
            guard let profile = set.profiles[name] else {
                // Namespace profiles and the auto host endpoints' default profile allow everything.
                if name.hasPrefix("kns.") || name == "projectcalico-default-allow" {
                    return SimulationResult(outcome: .allow, policy: name, kind: "pro", tier: "__PROFILE__", ruleIndex: 0, reason: "profile")
                }
                continue
            }
            let rules = f.direction == .ingress ? profile.ingress : profile.egress
            for (i, rule) in rules.enumerated() {
                let p = Policy(
                    kind: .profile, name: name, namespace: nil, tier: "__PROFILE__", order: nil, selector: .all,
                    namespaceSelector: nil, serviceAccountSelector: false, types: [], ingress: [], egress: [],
                    applyOnForwardOnly: false, file: "", line: 0)
                switch matches(rule, f, policy: p) {
                case .no: continue
                case .uncertain(let why): return SimulationResult(outcome: .uncertain, policy: name, kind: "pro", tier: "__PROFILE__", ruleIndex: i, reason: why)
                case .yes:
                    if rule.action == .allow { return SimulationResult(outcome: .allow, policy: name, kind: "pro", tier: "__PROFILE__", ruleIndex: i, reason: nil) }
                    if rule.action == .deny { return SimulationResult(outcome: .deny, policy: name, kind: "pro", tier: "__PROFILE__", ruleIndex: i, reason: nil) }
                }
            }
        }
        return SimulationResult(
            outcome: .deny, policy: "__PROFILE__", kind: "pro", tier: "__PROFILE__", ruleIndex: -1, reason: "no profile allows it")
    }
}
