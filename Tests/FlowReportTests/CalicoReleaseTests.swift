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
}
