import FlowLog
import FlowPolicy
import FlowReport
import Testing
import Yams

/// What newer Calico releases change, with lines written as those versions write them.
@Suite struct CalicoReleaseTests {
    /// 3.31 renames default-tier policies created on 3.29.0-3.29.3 (`default.<name>` → `<name>`): a store with
    /// lines from before and after the upgrade sees one policy, for `--policy` and for "decided by".
    @Test func defaultTierRenameIsOnePolicy() throws {
        let kns = ["0|__PROFILE__|pro:kns.app|allow|0"]
        var before = L(policies: PolicyLists(enforced: kns, pending: ["0|default|sgnp:default.default-deny|deny|-1"]))
        var after = L(policies: PolicyLists(enforced: kns, pending: ["0|default|sgnp:default-deny|deny|-1"]))
        before.start = 1_795_392_000
        after.start = 1_795_392_000 + 7200
        for selection: StagedSelection? in [nil, StagedSelection(["default-deny"])] {
            let r = try report([before, after]) { $0.enforcing = selection }
            #expect(r.connections.count == 1, "\(r.connections.map(\.key))")
            #expect(r.connections.first?.classification == .wouldBreak)
            #expect(r.connections.first?.decidingPolicy?.name == "default-deny")
            #expect(r.connections.first?.lines == 2)
        }
    }

    /// Calico manages some tiers (`allow-tigera`/`calico-system`, `kube-admin`, `kube-baseline`): a suggested fix
    /// never goes into one of them.
    @Test func fixNeverGoesIntoAManagedTier() throws {
        for tier in ["kube-admin", "kube-baseline", "calico-system", "allow-tigera"] {
            let pending = ["0|\(tier)|sgnp:staged-cnp|deny|-1"]
            let r = try report([L(policies: PolicyLists(enforced: ["0|__PROFILE__|pro:kns.app|allow|0"], pending: pending))])
            #expect(r.connections.first?.classification == .wouldBreak)
            let docs = try Array(Yams.load_all(yaml: r.fixYAML)).compactMap { $0 as? [String: Any] }
            #expect(!docs.isEmpty)
            for d in docs { #expect((d["spec"] as? [String: Any])?["tier"] as? String == "default", "\(tier): \(d)") }
        }
    }

    /// The simulator orders Calico's own tiers as Calico creates them when the files do not declare them.
    @Test func builtInTiersAreOrderedAsCalicoCreatesThem() throws {
        var loader = PolicyLoader()
        for (tier, name) in [("kube-baseline", "b"), ("default", "d"), ("security", "s"), ("kube-admin", "a"), ("calico-system", "c")] {
            try loader.load(
                yaml: """
                    apiVersion: projectcalico.org/v3
                    kind: GlobalNetworkPolicy
                    metadata: {name: \(name)}
                    spec: {tier: \(tier), selector: all(), types: [Ingress]}
                    """, file: "\(name).yaml")
        }
        let order = loader.set.orderedTiers().map(\.name)
        #expect(order == ["calico-system", "kube-admin", "security", "default", "kube-baseline"], "\(order)")
        #expect(loader.set.orderedTiers().first { $0.name == "kube-admin" }?.defaultAction == .pass)
    }

    /// Enterprise 3.22 logs flows denied by pre-DNAT (or apply-on-forward) policy in `transit_policies`, with the
    /// line's action deny. Such a deny is enforced today at the node: the staged workload policies cannot change it,
    /// so the connection is neither "would newly allow" (its pending trace allows) nor "would break".
    @Test func preDNATDenyIsEnforcedNotStaged() throws {
        let transit = ["1|default|gnp:default.allow-nodeports|allow|0", "0|security|gnp:security.block-nodeport-30080|deny|0"]
        var denied = L(
            dst: ("wep", "app", "nodeport-*", ["app=nodeport"]), action: "deny", reporter: "fwd",
            policies: PolicyLists(enforced: [], pending: ["0|default|snp:app/staged-allow|allow|0"], transit: transit))
        denied.port = 30080
        // A staged deny on a line allowed in transit still breaks: only a transit deny decides.
        let passed = L(policies: PolicyLists(
            enforced: ["0|__PROFILE__|pro:kns.app|allow|0"], pending: stagedDenyV2,
            transit: ["0|security|gnp:security.pass-all|pass|0", "1|default|gnp:default.allow-nodeports|allow|0"]))
        let v = StagedVerdict.evaluate(denied.policies, action: "deny")
        #expect(v.outcome == .deny && v.source == .transit && v.deciding?.name.hasSuffix("block-nodeport-30080") == true, "\(v)")
        #expect(v.reason?.contains("pre-DNAT") == true)
        let r = try report([denied, passed])
        let c = classes(r)
        #expect(c["client-*->nodeport-*:30080"] == nil, "\(c)")
        #expect(c["client-*->server-*:8080"] == .wouldBreak, "\(c)")
    }

    /// 3.31's automatic host endpoints cover every interface (`interfaceName: "*"`): lines now reach a host endpoint
    /// on a secondary interface, the VXLAN tunnel address, IPv6 loopback, and from the node's own pods. Each is
    /// classified by the host-endpoint rules whatever the interface: failsafe inbound for the destination host,
    /// loopback critical, the rest would break.
    @Test func autoHostEndpointsOnEveryInterface() throws {
        let hepA = ("hep", "-", "node-a-auto-hep", ["projectcalico.org/auto-hep=true", "kubernetes.io/hostname=node-a"])
        let hepB = ("hep", "-", "node-b-auto-hep", ["projectcalico.org/auto-hep=true", "kubernetes.io/hostname=node-b"])
        let deny = PolicyLists(enforced: ["0|__PROFILE__|pro:projectcalico-default-allow|allow|0"], pending: stagedDenyV2)
        let r = try report([
            // node-b -> node-a's second interface (eth1), kubelet: not a failsafe port.
            L(src: hepB, dst: hepA, srcIP: "10.1.0.6", dstIP: "10.1.0.5", port: 10250, reporter: "dst", policies: deny),
            // node-b -> node-a's VXLAN tunnel address, BGP: failsafe tcp:179 inbound.
            L(src: hepB, dst: hepA, srcIP: "192.168.77.64", dstIP: "192.168.77.0", port: 179, reporter: "dst", policies: deny),
            // IPv6 loopback on node-a: critical.
            L(src: hepA, dst: hepA, srcIP: "::1", dstIP: "::1", port: 9099, reporter: "src", policies: deny),
            // A pod on node-a to its own host's SSH, through its cali interface: failsafe inbound for the host.
            L(dst: hepA, srcIP: "192.168.77.10", dstIP: "10.0.0.1", port: 22, reporter: "dst", policies: deny),
        ])
        let c = classes(r)
        #expect(c["node-b-auto-hep->node-a-auto-hep:10250"] == .wouldBreak, "\(c)")
        #expect(c["node-b-auto-hep->node-a-auto-hep:179"] == .protectedByFailsafe, "\(c)")
        #expect(c["node-a-auto-hep->node-a-auto-hep:9099"] == .localhost, "\(c)")
        #expect(c["client-*->node-a-auto-hep:22"] == .protectedByFailsafe, "\(c)")
        #expect(r.verdict == .notReady)
    }
}
