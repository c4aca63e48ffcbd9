import FlowLog

/// An endpoint of the sample cluster.
struct SampleEndpoint: Sendable {
    var type: String
    var namespace: String
    var nameAggr: String
    /// Pod names are `nameAggr` without the `*` plus a 5-letter suffix; hosts and nets use `nameAggr`.
    var ips: [String]
    var labels: [String]
    /// The index of the node that hosts it (`nil` for `net` endpoints).
    var node: Int?
}

/// A connection of the sample cluster, with the policies that select each side in evaluation order.
struct SampleConnection: Sendable {
    var src: SampleEndpoint
    var dst: SampleEndpoint
    var proto: String
    var port: Int64
    var service: (namespace: String, name: String, portName: String, port: Int64)?
    var domains: [String]?
    /// Egress policies of the source (evaluated by the source node).
    var srcSteps: [PolicyStep]
    /// Ingress policies of the destination (evaluated by the destination node).
    var dstSteps: [PolicyStep]
    var weight: Int
    var process: String
}

/// The cluster of the automatic host endpoint lab of Tigera's Calico training: 3 nodes with auto host endpoints, the security and
/// platform tiers with pass policies, the lab's two platform policies, a staged default-deny in the default
/// tier, kube-dns, kubelet, calico-node, host-networked ingress-nginx, two application namespaces (yaobank,
/// stars), the cloud metadata address, and traffic the staged deny would break.
enum SampleCluster {
    static let nodes = [
        "ip-10-0-1-20.eu-west-1.compute.internal",
        "ip-10-0-1-30.eu-west-1.compute.internal",
        "ip-10-0-1-31.eu-west-1.compute.internal",
    ]
    static let nodeIPs = ["10.0.1.20", "10.0.1.30", "10.0.1.31"]

    static func hep(_ i: Int) -> SampleEndpoint {
        var labels = [
            "kubernetes.io/hostname=\(nodes[i])", "kubernetes.io/os=linux", "projectcalico.org/auto-hep=true",
            "projectcalico.org/created-by=calico-kube-controllers", "topology.kubernetes.io/region=eu-west-1",
        ]
        labels.append(i == 0 ? "node-role.kubernetes.io/control-plane=" : "node-role.kubernetes.io/worker=")
        return SampleEndpoint(type: "hep", namespace: "-", nameAggr: nodes[i], ips: [nodeIPs[i]], labels: labels, node: i)
    }

    static func pod(_ ns: String, _ aggr: String, _ app: String, node: Int, ips: [String], extra: [String] = [])
        -> SampleEndpoint
    {
        let hash = String(aggr.dropLast(2).split(separator: "-").last ?? "0")
        return SampleEndpoint(
            type: "wep", namespace: ns, nameAggr: aggr, ips: ips,
            labels: ["app=\(app)", "pod-template-hash=\(hash)"] + extra, node: node)
    }

    static func net(_ ip: String) -> SampleEndpoint {
        let pvt = ip.hasPrefix("10.") || ip.hasPrefix("192.168.") || ip.hasPrefix("172.16.")
        return SampleEndpoint(type: "net", namespace: "-", nameAggr: pvt ? "pvt" : "pub", ips: [ip], labels: [], node: nil)
    }

    // Policies.
    static let secPass = PolicyStep(tier: "security", kind: .globalNetworkPolicy, namespace: nil,
                                    name: "security.security-default-pass", action: .pass, rule: 0)
    static func secDNS(_ rule: Int) -> PolicyStep {
        PolicyStep(tier: "security", kind: .globalNetworkPolicy, namespace: nil, name: "security.allow-kube-dns",
                   action: .allow, rule: rule)
    }
    static let platPass = PolicyStep(tier: "platform", kind: .globalNetworkPolicy, namespace: nil,
                                     name: "platform.platform-default-pass", action: .pass, rule: 0)
    static func allHeps(_ rule: Int) -> PolicyStep {
        PolicyStep(tier: "platform", kind: .globalNetworkPolicy, namespace: nil,
                   name: "platform.allowed-flows-all-heps", action: .allow, rule: rule)
    }
    static func controlPlane(_ rule: Int) -> PolicyStep {
        PolicyStep(tier: "platform", kind: .globalNetworkPolicy, namespace: nil,
                   name: "platform.allowed-flows-control-plane-heps", action: .allow, rule: rule)
    }
    static let stagedDeny = PolicyStep(tier: "default", kind: .stagedGlobalNetworkPolicy, namespace: nil,
                                       name: "default-deny", action: .deny, rule: -1)
    static func np(_ ns: String, _ name: String, _ action: PolicyAction = .allow, rule: Int = 0) -> PolicyStep {
        PolicyStep(tier: "default", kind: .networkPolicy, namespace: ns, name: name, action: action, rule: rule)
    }
    static func snp(_ ns: String, _ name: String, _ action: PolicyAction, rule: Int = 0) -> PolicyStep {
        PolicyStep(tier: "default", kind: .stagedNetworkPolicy, namespace: ns, name: name, action: action, rule: rule)
    }
    static func profile(_ name: String) -> PolicyStep {
        PolicyStep(tier: "__PROFILE__", kind: .profile, namespace: nil, name: name, action: .allow, rule: 0)
    }
    /// What reaches the staged deny: pass through security and platform, staged deny, then today's allow.
    static func denied(by profileName: String) -> [PolicyStep] {
        [secPass, platPass, stagedDeny, profile(profileName)]
    }
    static let hepProfile = "projectcalico-default-allow"

    static let connections: [SampleConnection] = {
        let customer = pod("yaobank", "customer-6d8f9c5b7d-*", "customer", node: 1, ips: ["192.168.30.11", "192.168.30.12"])
        let summary = pod("yaobank", "summary-7c9f8d6b5-*", "summary", node: 2, ips: ["192.168.31.21", "192.168.31.22"])
        let database = pod("yaobank", "database-5b8c7d9f6-*", "database", node: 2, ips: ["192.168.31.31"])
        let client = pod("stars", "client-68d4f7b9c5-*", "client", node: 1, ips: ["192.168.30.41"], extra: ["role=client"])
        let ui = pod("stars", "management-ui-7f9d8c6b4-*", "management-ui", node: 2, ips: ["192.168.31.51"], extra: ["role=management-ui"])
        let frontend = pod("stars", "frontend-5c7b9d8f6-*", "frontend", node: 1, ips: ["192.168.30.61"], extra: ["role=frontend"])
        let backend = pod("stars", "backend-6b8d7c9f5-*", "backend", node: 2, ips: ["192.168.31.71"], extra: ["role=backend"])
        let legacy = pod("stars", "legacy-api-84c6d9b7f-*", "legacy-api", node: 2, ips: ["192.168.31.81"])
        var coredns = pod("kube-system", "coredns-5d78c9869d-*", "coredns", node: 0, ips: ["192.168.20.2", "192.168.20.3"])
        coredns.labels = ["k8s-app=kube-dns", "pod-template-hash=5d78c9869d"]
        let dnsService = (namespace: "kube-system", name: "kube-dns", portName: "dns", port: Int64(53))

        var c: [SampleConnection] = []
        func add(_ src: SampleEndpoint, _ dst: SampleEndpoint, _ proto: String, _ port: Int64,
                 service: (namespace: String, name: String, portName: String, port: Int64)? = nil,
                 domains: [String]? = nil, src srcSteps: [PolicyStep], dst dstSteps: [PolicyStep],
                 weight: Int, process: String = "-") {
            c.append(SampleConnection(src: src, dst: dst, proto: proto, port: port, service: service, domains: domains,
                                      srcSteps: srcSteps, dstSteps: dstSteps, weight: weight, process: process))
        }
        // Application traffic allowed by namespace policies (evaluated before the staged deny).
        add(customer, summary, "tcp", 80, service: ("yaobank", "summary", "http", 80),
            src: [secPass, platPass, np("yaobank", "customer")], dst: [secPass, platPass, np("yaobank", "summary")],
            weight: 12, process: "python3")
        add(frontend, backend, "tcp", 6379, src: [secPass, platPass, np("stars", "frontend")],
            dst: [secPass, platPass, np("stars", "backend")], weight: 6)
        // DNS, allowed in the security tier.
        for p in [customer, summary, client, frontend, ui] {
            add(p, coredns, "udp", 53, service: dnsService, src: [secDNS(0)], dst: [secDNS(1)], weight: 8)
        }
        // Would break: summary -> database (egress of summary reaches the staged deny).
        add(summary, database, "tcp", 2379, src: denied(by: "kns.yaobank"),
            dst: [secPass, platPass, np("yaobank", "database")], weight: 5, process: "summary")
        // Would break on both sides: client -> management-ui.
        add(client, ui, "tcp", 9001, service: ("stars", "management-ui", "http", 9001),
            src: denied(by: "kns.stars"), dst: denied(by: "kns.stars"), weight: 4)
        // Would break: customer -> an external payment API (egress only; the destination is a net).
        add(customer, net("52.95.110.1"), "tcp", 443, domains: ["api.stripe.com"],
            src: denied(by: "kns.yaobank"), dst: [], weight: 2, process: "python3")
        // Would newly allow: denied today by a policy, a staged allow comes first.
        add(client, legacy, "tcp", 8080, src: [secPass, platPass, np("stars", "client")],
            dst: [secPass, platPass, snp("stars", "allow-client-legacy", .allow), np("stars", "legacy-api", .deny, rule: 1)],
            weight: 2)
        // Denied today and staged: not affected.
        add(net("203.0.113.50"), database, "tcp", 3306, src: [],
            dst: [secPass, platPass, np("yaobank", "database", .deny, rule: 1)], weight: 1)

        // Host endpoint traffic (legacy eras log the dataplane trace; newer eras log no pending trace).
        for w in [1, 2] {
            // kubelet from the control plane: allowed by the platform policies.
            add(hep(0), hep(w), "tcp", 10250, src: [secPass, controlPlane(0)], dst: [secPass, allHeps(1)], weight: 3,
                process: "kube-apiserver")
            // kube-apiserver from workers: failsafe tcp:6443 protects it.
            add(hep(w), hep(0), "tcp", 6443, src: denied(by: hepProfile), dst: denied(by: hepProfile), weight: 4,
                process: "kubelet")
            // Host-networked ingress-nginx to management-ui: host egress not allowed by platform -> would break.
            var nginx = hep(w)
            nginx.labels.append("app.kubernetes.io/name=nginx")
            add(nginx, ui, "tcp", 9001, service: ("stars", "management-ui", "http", 9001),
                src: denied(by: hepProfile), dst: [secPass, platPass, np("stars", "management-ui")], weight: 3,
                process: "nginx")
            // ingress-nginx metrics 10254 between auto HEPs: allowed.
            add(hep(0), nginx, "tcp", 10254, src: [secPass, allHeps(3)], dst: [secPass, allHeps(3)], weight: 1)
        }
        for n in 0..<3 {
            let peer = (n + 1) % 3
            // BGP between nodes: failsafe tcp:179.
            add(hep(n), hep(peer), "tcp", 179, src: denied(by: hepProfile), dst: denied(by: hepProfile), weight: 1,
                process: "bird")
            // Cloud metadata: expected denial.
            add(hep(n), net("169.254.169.254"), "tcp", 80, src: denied(by: hepProfile), dst: [], weight: 2,
                process: "amazon-ssm-agent")
            // NodeLocal DNS: legitimate, failsafe udp:53 outbound.
            add(hep(n), net("169.254.20.10"), "udp", 53, src: denied(by: hepProfile), dst: [], weight: 3,
                process: "systemd-resolved")
            // Image registry: allowed by the platform domain rule.
            add(hep(n), net("3.224.102.5"), "tcp", 443, domains: ["quay.io", "cdn01.quay.io"],
                src: [secPass, allHeps(2)], dst: [], weight: 2, process: "containerd")
            // An external API not in the allowed domains: would break.
            add(hep(n), net("140.82.112.6"), "tcp", 443, domains: ["api.github.com"], src: denied(by: hepProfile),
                dst: [], weight: 1, process: "curl")
            // Loopback IPv4: allowed by the platform policy's 127.0.0.0/8 rule.
            var lo = hep(n)
            lo.ips = ["127.0.0.1"]
            add(lo, lo, "tcp", 10248, src: [secPass, allHeps(0)], dst: [secPass, allHeps(0)], weight: 2,
                process: "kubelet")
            // Loopback IPv6: ::1 is not in 127.0.0.0/8, so the staged deny would break it (critical).
            var lo6 = hep(n)
            lo6.ips = ["::1"]
            add(lo6, lo6, "tcp", 9099, src: denied(by: hepProfile), dst: denied(by: hepProfile), weight: 1,
                process: "calico-node")
            // SSH from outside: failsafe tcp:22 inbound.
            add(net("198.51.100.7"), hep(n), "tcp", 22, src: [], dst: denied(by: hepProfile), weight: 1)
        }
        return c
    }()
}
