import FlowPolicy
import FlowLog
import Yams

/// Suggests Calico policies that allow the would-break connections, evaluated before the staged deny.
///
/// Per breaking side: the source's egress (src-reported lines) or the destination's ingress (dst-reported
/// lines). A workload endpoint gets a NetworkPolicy in its namespace; a host endpoint, or anything
/// cluster-wide, a GlobalNetworkPolicy. Selectors use stable labels only; ports of the same peer and
/// protocol are merged; external peers use the domains the flows carry, else their IPs.
public enum FixSuggester {
    struct PolicyKey: Hashable, Comparable {
        var kind: String
        var namespace: String?
        var name: String
        var tier: String
        var selector: String

        static func < (a: PolicyKey, b: PolicyKey) -> Bool {
            (a.kind, a.namespace ?? "", a.name) < (b.kind, b.namespace ?? "", b.name)
        }
    }

    struct RuleKey: Hashable, Comparable {
        var ingress: Bool
        var proto: String?
        var peer: [String: [String]]  // selector, namespaceSelector, nets, domains
        var peerOrder: String

        static func < (a: RuleKey, b: RuleKey) -> Bool {
            (a.ingress ? 0 : 1, a.peerOrder, a.proto ?? "") < (b.ingress ? 0 : 1, b.peerOrder, b.proto ?? "")
        }
    }

    /// The YAML documents (`---`-separated), or "" when nothing breaks.
    public static func yaml(for connections: [Connection]) -> String {
        var policies: [PolicyKey: [RuleKey: Set<Int64>]] = [:]
        for c in connections {
            // Calico manages some tiers (its own components' policies, Kubernetes cluster network policies): a
            // suggested policy goes to the default tier instead of one of those.
            let tier = c.decidingPolicy.map(\.tier).flatMap { PolicySet.isManagedTier($0) ? nil : $0 } ?? "default"
            for side in c.sides where side.today.contains("allow") && side.enforced.contains("deny") && !side.failsafe {
                let ingress = side.reporter == "dst"
                let own = ingress ? c.destination : c.source
                let peer = ingress ? c.source : c.destination
                let peerIPs = ingress ? c.sourceIPs : c.destIPs
                let namespaced = own.type == "wep" && own.namespace != "-"
                let key = PolicyKey(
                    kind: namespaced ? "NetworkPolicy" : "GlobalNetworkPolicy", namespace: namespaced ? own.namespace : nil,
                    name: "flowq-allow-" + slug(own.name) + (ingress ? "-ingress" : "-egress"), tier: tier,
                    selector: selector(own))
                var peerSpec: [String: [String]] = [:]
                if c.classification == .localhost {
                    peerSpec["nets"] = Set(peerIPs.map { $0.contains(":") ? "::1/128" : "127.0.0.0/8" }).sorted()
                } else {
                    switch peer.type {
                    case "wep":
                        peerSpec["selector"] = [selector(peer)]
                        if !namespaced || peer.namespace != own.namespace {
                            peerSpec["namespaceSelector"] = [
                                KubernetesNames.isNamespace(peer.namespace)
                                    ? "projectcalico.org/name == '\(peer.namespace)'" : "!all()"
                            ]
                        }
                    case "hep":
                        peerSpec["selector"] = [selector(peer)]
                    default:
                        if !ingress && !c.domains.isEmpty {
                            peerSpec["domains"] = c.domains
                        } else if !peerIPs.isEmpty {
                            peerSpec["nets"] = peerIPs.map { $0.contains(":") ? "\($0)/128" : "\($0)/32" }.sorted()
                        } else {
                            peerSpec["nets"] = [peer.name == "pvt" ? "10.0.0.0/8" : "0.0.0.0/0"]
                        }
                    }
                }
                let order = peerSpec.keys.sorted().map { "\($0)=\(peerSpec[$0]!.joined(separator: ","))" }.joined(separator: ";")
                let rule = RuleKey(ingress: ingress, proto: c.protocolName == "-" ? nil : c.protocolName, peer: peerSpec, peerOrder: order)
                var ports = policies[key, default: [:]][rule, default: []]
                if let p = c.port { ports.insert(p) }
                policies[key, default: [:]][rule] = ports
            }
        }
        guard !policies.isEmpty else { return "" }
        var docs: [String] = []
        for key in policies.keys.sorted() {
            let rules = policies[key]!
            var ingress: [Node] = []
            var egress: [Node] = []
            for r in rules.keys.sorted() {
                var rule: [(Node, Node)] = [("action", "Allow")]
                if let p = r.proto { rule.append(("protocol", Node(protocolName(p)))) }
                var peer: [(Node, Node)] = []
                for k in ["selector", "namespaceSelector"] where r.peer[k] != nil { peer.append((Node(k), Node(r.peer[k]![0]))) }
                for k in ["nets", "domains"] where r.peer[k] != nil {
                    peer.append((Node(k), seq(r.peer[k]!.map { Node($0) })))
                }
                var portSide: [(Node, Node)] = []
                let ports = rules[r]!.sorted()
                if !ports.isEmpty { portSide.append(("ports", seq(ports.map { Node(String($0), Tag(.int)) }))) }
                if r.ingress {
                    rule.append(("source", map(peer)))
                    if !portSide.isEmpty { rule.append(("destination", map(portSide))) }
                    ingress.append(map(rule))
                } else {
                    rule.append(("destination", map(peer + portSide)))
                    egress.append(map(rule))
                }
            }
            var metadata: [(Node, Node)] = [("name", Node(key.name))]
            if let ns = key.namespace { metadata.append(("namespace", Node(ns))) }
            var spec: [(Node, Node)] = [
                ("tier", Node(key.tier)), ("order", Node("100", Tag(.int))), ("selector", Node(key.selector)),
            ]
            var types: [Node] = []
            if !ingress.isEmpty {
                spec.append(("ingress", seq(ingress)))
                types.append("Ingress")
            }
            if !egress.isEmpty {
                spec.append(("egress", seq(egress)))
                types.append("Egress")
            }
            spec.append(("types", seq(types)))
            let doc = map([
                ("apiVersion", "projectcalico.org/v3"), ("kind", Node(key.kind)), ("metadata", map(metadata)),
                ("spec", map(spec)),
            ])
            docs.append((try? Yams.serialize(node: doc, sortKeys: false)) ?? "")
        }
        return "# Suggested by flowq: allow rules for the connections that would break. Review before applying.\n"
            + "# Each policy must be evaluated before the staged deny: same tier with a lower order, or an earlier tier.\n"
            + docs.map { "---\n" + $0 }.joined()
    }

    static func map(_ pairs: [(Node, Node)]) -> Node { .mapping(Node.Mapping(pairs)) }
    static func seq(_ items: [Node]) -> Node { .sequence(Node.Sequence(items)) }

    /// `a == 'x' && b == 'y'` over stable labels; host endpoints use the auto-HEP label when present.
    static func selector(_ e: EndpointRef) -> String {
        if e.type == "hep", e.labels.contains("projectcalico.org/auto-hep=true") {
            if e.labels.contains(where: { $0.hasPrefix("node-role.kubernetes.io/control-plane=") }) {
                return "has(node-role.kubernetes.io/control-plane)"
            }
            return "projectcalico.org/auto-hep == 'true'"
        }
        let terms = e.labels.compactMap { l -> String? in
            let kv = l.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            // Only what Kubernetes would accept as a label goes into a selector: anything else (quotes,
            // operators, spaces) could change what the selector means.
            guard kv.count == 2, KubernetesNames.isLabelKey(String(kv[0])), KubernetesNames.isLabelValue(String(kv[1]))
            else { return nil }
            return kv[1].isEmpty ? "has(\(kv[0]))" : "\(kv[0]) == '\(kv[1])'"
        }
        // Labels that were all refused select nothing (never everything): the reviewer fills the selector in.
        if terms.isEmpty { return e.labels.isEmpty ? "all()" : "!all()" }
        return terms.joined(separator: " && ")
    }

    static func protocolName(_ p: String) -> String {
        switch p.lowercased() {
        case "tcp": "TCP"
        case "udp": "UDP"
        case "icmp": "ICMP"
        case "icmp6": "ICMPv6"
        case "sctp": "SCTP"
        default: p
        }
    }

    static func slug(_ s: String) -> String {
        var out = ""
        for ch in s.lowercased() {
            if ch.isLetter || ch.isNumber { out.append(ch) } else if !out.hasSuffix("-") { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return String(out.prefix(40))
    }
}
