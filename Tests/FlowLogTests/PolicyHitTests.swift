import FlowLog
import Testing

@Suite struct PolicyHitTests {
    struct Case: Sendable, CustomStringConvertible {
        var raw: String
        var kind: PolicyKind
        var ns: String?
        var name: String
        var staged: Bool
        var rule: Int?
        var format: HitFormat
        var description: String { raw }
    }

    static let cases: [Case] = [
        Case(raw: "0|default|default.allow-dns|allow", kind: .globalNetworkPolicy, ns: nil, name: "allow-dns", staged: false, rule: nil, format: .v0),
        Case(raw: "0|__PROFILE__|__PROFILE__.kns.calico-monitoring|allow", kind: .profile, ns: nil, name: "kns.calico-monitoring", staged: false, rule: nil, format: .v0),
        Case(raw: "0|default|default.allow-dns|allow|0", kind: .globalNetworkPolicy, ns: nil, name: "allow-dns", staged: false, rule: 0, format: .v1),
        Case(raw: "0|calico-system|kube-system/calico-system.cluster-dns|pass|1", kind: .networkPolicy, ns: "kube-system", name: "cluster-dns", staged: false, rule: 1, format: .v1),
        Case(raw: "0|default|namespace/knp.default.name|allow|2", kind: .kubernetesNetworkPolicy, ns: "namespace", name: "name", staged: false, rule: 2, format: .v1),
        Case(raw: "2|default|default.staged:default-deny|deny|-1", kind: .stagedGlobalNetworkPolicy, ns: nil, name: "default-deny", staged: true, rule: -1, format: .v1),
        Case(raw: "0|tier2|default/tier2.staged:np2-3|deny|1", kind: .stagedNetworkPolicy, ns: "default", name: "np2-3", staged: true, rule: 1, format: .v1),
        Case(raw: "2|default|default/staged:knp.default.knp3-1|deny|-1", kind: .stagedKubernetesNetworkPolicy, ns: "default", name: "knp3-1", staged: true, rule: -1, format: .v1),
        Case(raw: "1|tier2|ns2/staged:tier1.policy1|deny|1", kind: .stagedNetworkPolicy, ns: "ns2", name: "tier1.policy1", staged: true, rule: 1, format: .v1),
        Case(raw: "0|adminnetworkpolicy|kanp.adminnetworkpolicy.policy1|allow|-1", kind: .adminNetworkPolicy, ns: nil, name: "policy1", staged: false, rule: -1, format: .v1),
        Case(raw: "0|baselineadminnetworkpolicy|kbanp.baselineadminnetworkpolicy.name|pass|4", kind: .baselineAdminNetworkPolicy, ns: nil, name: "name", staged: false, rule: 4, format: .v1),
        Case(raw: "1|__PROFILE__|__PROFILE__.kns.default|allow|0", kind: .profile, ns: nil, name: "kns.default", staged: false, rule: 0, format: .v1),
        Case(raw: "3|tier1|__NO_MATCH__|deny|-1", kind: .endOfTier, ns: nil, name: "__NO_MATCH__", staged: false, rule: -1, format: .v1),
        // Created on 3.29.0-3.29.3 as `default.<name>`; 3.31 renames it `<name>`: one policy either way.
        Case(raw: "0|default|gnp:default.ep1-1-allow-all|allow|0", kind: .globalNetworkPolicy, ns: nil, name: "ep1-1-allow-all", staged: false, rule: 0, format: .v2),
        Case(raw: "0|default|gnp:ep1-1-allow-all|allow|0", kind: .globalNetworkPolicy, ns: nil, name: "ep1-1-allow-all", staged: false, rule: 0, format: .v2),
        Case(raw: "0|default|snp:app/default.staged-x|deny|0", kind: .stagedNetworkPolicy, ns: "app", name: "staged-x", staged: true, rule: 0, format: .v2),
        Case(raw: "0|security|gnp:default.not-the-default-tier|allow|0", kind: .globalNetworkPolicy, ns: nil, name: "default.not-the-default-tier", staged: false, rule: 0, format: .v2),
        Case(raw: "0|tier2|np:default/tier2.np2-4|deny|0", kind: .networkPolicy, ns: "default", name: "tier2.np2-4", staged: false, rule: 0, format: .v2),
        Case(raw: "0|tier2|snp:default/tier2.np2-3|deny|1", kind: .stagedNetworkPolicy, ns: "default", name: "tier2.np2-3", staged: true, rule: 1, format: .v2),
        Case(raw: "1|default|sgnp:default-deny|deny|-1", kind: .stagedGlobalNetworkPolicy, ns: nil, name: "default-deny", staged: true, rule: -1, format: .v2),
        Case(raw: "1|default|sknp:ns1/k1|deny|-1", kind: .stagedKubernetesNetworkPolicy, ns: "ns1", name: "k1", staged: true, rule: -1, format: .v2),
        Case(raw: "1|__PROFILE__|pro:kns.default|allow|0", kind: .profile, ns: nil, name: "kns.default", staged: false, rule: 0, format: .v2),
        Case(raw: "0|kube-admin|kcnp:admin-1|pass|2", kind: .clusterNetworkPolicy, ns: nil, name: "admin-1", staged: false, rule: 2, format: .v2),
        Case(raw: "2|tier1|eot:__NO_MATCH__|deny|-1", kind: .endOfTier, ns: nil, name: "__NO_MATCH__", staged: false, rule: -1, format: .v2),
        Case(raw: "0|default|knp:ns/allow-web|allow|0", kind: .kubernetesNetworkPolicy, ns: "ns", name: "allow-web", staged: false, rule: 0, format: .v2),
    ]

    @Test(arguments: cases)
    func parsesEveryEra(_ c: Case) throws {
        let h = try PolicyHit.parse(c.raw)
        #expect(h.kind == c.kind)
        #expect(h.namespace == c.ns)
        #expect(h.name == c.name)
        #expect(h.isStaged == c.staged)
        #expect(h.ruleIndex == c.rule)
        #expect(h.format == c.format)
        #expect(h.isEndOfTier == (c.rule == -1))
        #expect(h.raw == c.raw)
    }

    @Test(arguments: ["", "a|b|c", "x|default|a|allow|0", "0|default|a|maybe|0", "0|default||allow|0", "0|d|a|allow|z", "0|d|a|allow|-3", "0|d|a|allow|0|1"])
    func rejectsMalformed(_ raw: String) {
        #expect(throws: PolicyHitError.self) { try PolicyHit.parse(raw) }
    }

    @Test func legacyViewOfV2Hits() throws {
        #expect(try PolicyHit.parse("1|default|sgnp:default-deny|deny|-1").legacyString == "1|default|default.staged:default-deny|deny|-1")
        #expect(try PolicyHit.parse("0|tier2|snp:default/tier2.np2-3|deny|1").legacyString == "0|tier2|default/tier2.staged:np2-3|deny|1")
        let lists = PolicyLists(enforced: ["0|__PROFILE__|pro:kns.a|allow|0"], pending: ["0|default|sgnp:default-deny|deny|-1"])
        #expect(lists.allView.contains("0|default|default.staged:default-deny|deny|-1"))
        #expect(PolicyLists(all: ["x"], pending: ["y"]).allView == ["x"])
    }
}
