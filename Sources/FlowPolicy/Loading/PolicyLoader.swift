import FlowLog
import Foundation
import Yams

/// Reads Calico resources from YAML (multi-document): Tier, GlobalNetworkPolicy, NetworkPolicy, their Staged
/// kinds, Kubernetes NetworkPolicy, Profile, HostEndpoint, GlobalNetworkSet, NetworkSet, FelixConfiguration.
/// Invalid YAML or an unknown field is an error with the file and line.
public struct PolicyLoader {
    public private(set) var set = PolicySet()

    public init() {}

    /// Reads one file's documents into the set.
    public mutating func load(yaml text: String, file: String) throws(PolicyLoadError) {
        let nodes: [Node]
        do {
            nodes = try BoundedYAML.documents(text)
        } catch {
            throw PolicyLoadError(file: file, line: error.line, error.message)
        }
        var resources = 0
        for node in nodes {
            if case .mapping(let m) = node, m.isEmpty { continue }
            if case .scalar(let s) = node, s.string.isEmpty || s.tag.description.hasSuffix("null") { continue }
            try document(Doc(node, file: file))
            resources += 1
        }
        // An empty file is a mistake (a wrong path, a failed `kubectl get > file`), not a set of no policies: with
        // nothing to enforce, a simulation would say READY.
        guard resources > 0 else { throw PolicyLoadError(file: file, line: 1, "holds no Calico resources (the file is empty)") }
    }

    // MARK: Documents

    private mutating func document(_ d: Doc) throws(PolicyLoadError) {
        let kind = try d.string("kind", required: true)!
        let api = try d.string("apiVersion", required: true)!
        let metaKeys: Set<String> = ["name", "namespace", "labels", "annotations", "uid", "resourceVersion",
                                     "creationTimestamp", "generation", "managedFields", "ownerReferences", "finalizers"]
        let meta = try d.child("metadata", allowed: metaKeys)
        guard let name = try meta?.string("name", required: true) else { throw d.error("metadata.name is required") }
        let namespace = try meta?.string("namespace")
        try d.check(["apiVersion", "kind", "metadata", "spec", "status"])
        switch (kind, api.hasPrefix("networking.k8s.io")) {
        case ("NetworkPolicy", true):
            try kubernetesPolicy(d, name: name, namespace: namespace ?? "default", staged: false)
        case ("StagedKubernetesNetworkPolicy", _):
            try kubernetesPolicy(d, name: name, namespace: namespace ?? "default", staged: true)
        case ("Tier", _):
            let spec = try d.child("spec", allowed: ["order", "defaultAction"])
            let action = try spec?.string("defaultAction") ?? "Deny"
            guard action == "Deny" || action == "Pass" else { throw d.error("tier defaultAction must be Deny or Pass") }
            set.tiers[name] = Tier(name: name, order: try spec?.double("order"), defaultAction: action == "Pass" ? .pass : .deny)
            note(tier: name)
        case ("GlobalNetworkPolicy", _), ("StagedGlobalNetworkPolicy", _), ("NetworkPolicy", _), ("StagedNetworkPolicy", _):
            try calicoPolicy(d, kind: kind, name: name, namespace: namespace)
        case ("Profile", _):
            let spec = try d.child("spec", allowed: ["ingress", "egress", "labelsToApply"])
            set.profiles[name] = Profile(
                name: name, ingress: try rules(spec, "ingress", policy: name), egress: try rules(spec, "egress", policy: name))
        case ("HostEndpoint", _):
            let spec = try d.child("spec", allowed: ["node", "interfaceName", "expectedIPs", "profiles", "ports"])
            let labels = try meta?.stringMap("labels") ?? [:]
            set.hostEndpoints.append(HostEndpoint(
                name: name, node: try spec?.string("node"), labels: labels,
                profiles: try spec?.strings("profiles") ?? [], expectedIPs: try spec?.strings("expectedIPs") ?? []))
        case ("GlobalNetworkSet", _), ("NetworkSet", _):
            let spec = try d.child("spec", allowed: ["nets", "allowedEgressDomains"])
            set.networkSets.append(NetworkSet(
                name: name, namespace: kind == "NetworkSet" ? (namespace ?? "default") : nil, nets: try spec?.strings("nets") ?? [],
                labels: try meta?.stringMap("labels") ?? [:]))
        case ("FelixConfiguration", _):
            guard let spec = try d.child("spec", allowed: nil) else { return }
            if let inbound = try spec.protoPorts("failsafeInboundHostPorts") { set.failsafeInbound = inbound }
            if let outbound = try spec.protoPorts("failsafeOutboundHostPorts") { set.failsafeOutbound = outbound }
        default:
            throw d.error("unsupported kind \(kind)")
        }
    }

    private mutating func note(tier: String) {
        if !set.tierAppearance.contains(tier) { set.tierAppearance.append(tier) }
    }

    private mutating func calicoPolicy(_ d: Doc, kind: String, name: String, namespace: String?) throws(PolicyLoadError) {
        let allowed: Set<String> = [
            "tier", "order", "selector", "namespaceSelector", "serviceAccountSelector", "types", "ingress", "egress",
            "applyOnForward", "preDNAT", "doNotTrack", "stagedAction", "performanceHints",
        ]
        let spec = try d.child("spec", allowed: allowed) ?? Doc(.mapping(.init([])), file: d.file)
        let global = kind.contains("Global")
        let staged = kind.hasPrefix("Staged")
        let policyKind: PolicyKind = global
            ? (staged ? .stagedGlobalNetworkPolicy : .globalNetworkPolicy)
            : (staged ? .stagedNetworkPolicy : .networkPolicy)
        var tier = try spec.string("tier") ?? "default"
        if tier.isEmpty { tier = "default" }
        // Older names carry the tier: `platform.allowed-flows-all-heps` in tier `platform`.
        note(tier: tier)
        let ingress = try rules(spec, "ingress", policy: name)
        let egress = try rules(spec, "egress", policy: name)
        var types = Set(try spec.strings("types") ?? [])
        if types.isEmpty {
            types = ["Ingress"]
            if !egress.isEmpty { types.insert("Egress") }
        }
        let preDNAT = try spec.bool("preDNAT") ?? false
        let doNotTrack = try spec.bool("doNotTrack") ?? false
        let forwardOnly = preDNAT || doNotTrack
        if forwardOnly { set.warnings.append("\(d.file):\(d.line): \(name): preDNAT/doNotTrack policies are out of scope and not evaluated") }
        set.policies.append(Policy(
            kind: policyKind, name: name, namespace: global ? nil : (namespace ?? "default"), tier: tier,
            order: try spec.double("order"), selector: try spec.selector("selector") ?? .all,
            namespaceSelector: try spec.selector("namespaceSelector"),
            serviceAccountSelector: (try spec.string("serviceAccountSelector")).map { !$0.isEmpty } ?? false,
            types: types, ingress: ingress, egress: egress, applyOnForwardOnly: forwardOnly, file: d.file, line: d.line))
    }

    private mutating func rules(_ spec: Doc?, _ key: String, policy: String) throws(PolicyLoadError) -> [Rule] {
        guard let spec, let list = try spec.children(key) else { return [] }
        var out: [Rule] = []
        for r in list {
            try r.check(["action", "protocol", "notProtocol", "icmp", "notICMP", "ipVersion", "source", "destination", "http", "metadata"])
            guard let a = Rule.Action(rawValue: try r.string("action", required: true)!) else {
                throw r.error("action must be Allow, Deny, Pass or Log")
            }
            var rule = Rule(action: a)
            rule.proto = try r.scalar("protocol")
            rule.notProto = try r.scalar("notProtocol")
            rule.icmp = r.has("icmp")
            rule.notICMP = r.has("notICMP")
            rule.http = r.has("http")
            if rule.http { set.warnings.append("\(r.file):\(r.line): \(policy): HTTP match is out of scope: the rule's result is uncertain") }
            rule.source = try entity(r.child("source", allowed: nil), source: true)
            rule.destination = try entity(r.child("destination", allowed: nil), source: false)
            out.append(rule)
        }
        return out
    }

    private func entity(_ d: Doc?, source: Bool) throws(PolicyLoadError) -> EntityRule {
        var e = EntityRule()
        guard let d else { return e }
        try d.check(["nets", "notNets", "selector", "notSelector", "namespaceSelector", "serviceAccounts", "ports",
                     "notPorts", "domains", "services"])
        e.nets = try d.strings("nets") ?? []
        e.notNets = try d.strings("notNets") ?? []
        for n in e.nets + e.notNets where IPAddress.cidr(n.contains("/") ? n : n + (n.contains(":") ? "/128" : "/32")) == nil {
            throw d.error("\(n) is not a CIDR")
        }
        e.selector = try d.selector("selector")
        e.notSelector = try d.selector("notSelector")
        e.namespaceSelector = try d.selector("namespaceSelector")
        e.serviceAccounts = d.has("serviceAccounts")
        e.services = d.has("services")
        e.ports = try d.ports("ports")
        e.notPorts = try d.ports("notPorts")
        e.domains = try d.strings("domains") ?? []
        if source && !e.domains.isEmpty { throw d.error("domains are only allowed in a destination") }
        return e
    }

    // MARK: Kubernetes NetworkPolicy

    private mutating func kubernetesPolicy(_ d: Doc, name: String, namespace: String, staged: Bool) throws(PolicyLoadError) {
        let spec = try d.child("spec", allowed: ["podSelector", "policyTypes", "ingress", "egress", "stagedAction"])
        let selector = try spec?.labelSelector("podSelector") ?? .all
        var types = Set(try spec?.strings("policyTypes") ?? [])
        if types.isEmpty {
            types = ["Ingress"]
            if spec?.has("egress") == true { types.insert("Egress") }
        }
        func convert(_ key: String, peerKey: String) throws(PolicyLoadError) -> [Rule] {
            guard let list = try spec?.children(key) else { return [] }
            var out: [Rule] = []
            for r in list {
                try r.check([peerKey, "ports"])
                let peers = try r.children(peerKey) ?? []
                let ports = try r.children("ports") ?? []
                var portGroups: [(String?, [PortMatch])] = []
                for p in ports {
                    try p.check(["protocol", "port", "endPort"])
                    let proto = try p.string("protocol") ?? "TCP"
                    var m: [PortMatch] = []
                    if let n = try p.port("port") {
                        let end = try p.port("endPort") ?? n
                        guard end >= n else { throw p.error("endPort \(end) is below port \(n)") }
                        m = [.range(Int64(n), Int64(end))]
                    } else if let named = try p.string("port") {
                        m = [.named(named)]
                    }
                    portGroups.append((proto, m))
                }
                if portGroups.isEmpty { portGroups = [(nil, [])] }
                let peerEntities: [EntityRule] = try peers.isEmpty ? [EntityRule()] : peers.map { (p: Doc) throws(PolicyLoadError) -> EntityRule in
                    try p.check(["podSelector", "namespaceSelector", "ipBlock"])
                    var e = EntityRule()
                    if let ip = try p.child("ipBlock", allowed: ["cidr", "except"]) {
                        e.nets = [try ip.string("cidr", required: true)!]
                        e.notNets = try ip.strings("except") ?? []
                    } else {
                        let pod = try p.labelSelector("podSelector")
                        let ns = try p.labelSelector("namespaceSelector")
                        e.selector = pod ?? .all
                        e.namespaceSelector = ns ?? .equals("projectcalico.org/name", namespace)
                    }
                    return e
                }
                for peer in peerEntities {
                    for (proto, ports) in portGroups {
                        var rule = Rule(action: .allow)
                        rule.proto = proto
                        if key == "ingress" {
                            rule.source = peer
                            rule.destination.ports = ports
                        } else {
                            rule.destination = peer
                            rule.destination.ports = ports
                        }
                        out.append(rule)
                    }
                }
            }
            return out
        }
        let policyKind: PolicyKind = staged ? .stagedKubernetesNetworkPolicy : .kubernetesNetworkPolicy
        note(tier: "default")
        set.policies.append(Policy(
            kind: policyKind, name: name, namespace: namespace, tier: "default", order: 1000, selector: selector,
            namespaceSelector: nil, serviceAccountSelector: false, types: types,
            ingress: try convert("ingress", peerKey: "from"), egress: try convert("egress", peerKey: "to"),
            applyOnForwardOnly: false, file: d.file, line: d.line))
    }
}
