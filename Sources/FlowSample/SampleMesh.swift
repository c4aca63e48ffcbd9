import FlowLog

/// Application connections added to the lab's cluster for scale: `count` service-to-service connections spread
/// over `clusters` clusters of 3 nodes, in team namespaces, whose pods are replaced by a new ReplicaSet every
/// `churn` seconds (a new `pod-template-hash`, so new aggregated names, labels and connections), each
/// deployment at its own moment.
///
/// Of the connections, 70% are allowed by namespace policies before the staged deny, 20% would break (the
/// source's egress reaches the staged default-deny) and 10% are denied today by a namespace policy.
struct SampleMesh: Sendable {
    let count: Int
    let clusters: Int
    let churn: Int64?
    let seed: UInt64

    /// Deployments per team namespace.
    static let perTeam = 8

    /// The nodes of cluster `k` (cluster 0 is the lab's).
    static func nodes(cluster k: Int) -> [String] {
        k == 0 ? SampleCluster.nodes : (0..<3).map { "c\(k)-worker-\($0)" }
    }

    /// The nodes every generated line can come from.
    var allNodes: [String] { (0..<clusters).flatMap { Self.nodes(cluster: $0) } }

    private struct Plan {
        var cluster: Int
        var namespace: String
        var src: Int
        var dst: Int
        var port: Int64
        var kind: Int  // 0 allowed, 1 would break, 2 denied today
    }

    private func plan(_ j: Int) -> Plan {
        var rng = SplitMix64(seed: seed &+ UInt64(j) &* 0x9E37_79B9)
        let k = j % clusters
        let team = (j / clusters) / 12
        let ns = (clusters > 1 ? "c\(k)-" : "") + "team-\(team)"
        let src = Int(rng.next() % UInt64(Self.perTeam))
        var dst = Int(rng.next() % UInt64(Self.perTeam))
        if dst == src { dst = (dst + 1) % Self.perTeam }
        let roll = rng.next() % 10
        return Plan(cluster: k, namespace: ns, src: src, dst: dst, port: 8000 + Int64(j % 50),
                    kind: roll < 7 ? 0 : (roll < 9 ? 1 : 2))
    }

    /// A ReplicaSet hash as Kubernetes writes one (10 characters of its alphabet).
    private func hash(_ namespace: String, _ deployment: Int, epoch: Int64) -> String {
        var h: UInt64 = seed ^ 0xcbf2_9ce4_8422_2325
        for b in namespace.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        var rng = SplitMix64(seed: h ^ UInt64(deployment) &* 31 ^ UInt64(bitPattern: epoch) &* 0x2545_F491_4F6C_DD1D)
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<10).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
    }

    /// Which ReplicaSet generation of a deployment runs at `t` (staggered per deployment).
    private func epoch(_ namespace: String, _ deployment: Int, at t: Int64) -> Int64 {
        guard let churn, churn > 0 else { return 0 }
        var rng = SplitMix64(seed: UInt64(deployment) &+ UInt64(namespace.utf8.count) &* 7919)
        let offset = Int64(truncatingIfNeeded: rng.next() % UInt64(churn))
        return (t + offset) / churn
    }

    private func pod(_ p: Plan, _ deployment: Int, at t: Int64, node: Int) -> SampleEndpoint {
        let name = "svc-\(deployment)"
        let h = hash(p.namespace, deployment, epoch: epoch(p.namespace, deployment, at: t))
        let team = Int(p.namespace.split(separator: "-").last ?? "0") ?? 0
        return SampleEndpoint(
            type: "wep", namespace: p.namespace, nameAggr: "\(name)-\(h)-*",
            ips: ["10.\(100 + p.cluster % 100).\(team % 250).\(10 + deployment)"],
            labels: ["app=\(name)", "pod-template-hash=\(h)", "team=\(p.namespace)"], node: node)
    }

    /// Connection `j` as it runs at time `t`, and the node names of its two sides.
    func connection(_ j: Int, at t: Int64) -> (SampleConnection, srcNode: String, dstNode: String) {
        let p = plan(j)
        let nodes = Self.nodes(cluster: p.cluster)
        let srcNode = (p.src + p.cluster) % 3, dstNode = (p.dst + 1) % 3
        let src = pod(p, p.src, at: t, node: srcNode)
        let dst = pod(p, p.dst, at: t, node: dstNode)
        let allowSrc = [SampleCluster.secPass, SampleCluster.platPass, SampleCluster.np(p.namespace, "svc-\(p.src)")]
        let allowDst = [SampleCluster.secPass, SampleCluster.platPass, SampleCluster.np(p.namespace, "svc-\(p.dst)")]
        let srcSteps: [PolicyStep]
        let dstSteps: [PolicyStep]
        switch p.kind {
        case 0: (srcSteps, dstSteps) = (allowSrc, allowDst)
        case 1: (srcSteps, dstSteps) = (SampleCluster.denied(by: "kns.\(p.namespace)"), allowDst)
        default:
            srcSteps = allowSrc
            dstSteps = [SampleCluster.secPass, SampleCluster.platPass, SampleCluster.np(p.namespace, "svc-\(p.dst)", .deny, rule: 1)]
        }
        let c = SampleConnection(
            src: src, dst: dst, proto: "tcp", port: p.port, service: nil, domains: nil, srcSteps: srcSteps,
            dstSteps: dstSteps, weight: 1, process: "-")
        return (c, nodes[srcNode], nodes[dstNode])
    }
}
