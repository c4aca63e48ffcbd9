import FlowLog
import FlowReport
import Testing

/// Lines shaped like known Felix bugs, written as Felix v2 writes them: counted as caveats with their KQL, and never
/// deciding a connection on their own.
@Suite struct FelixTraceBugTests {
    static let kns = ["0|__PROFILE__|pro:kns.app|allow|0"]
    static let pendingAllow = ["0|security|gnp:security.pass|pass|0", "1|default|snp:app/staged-allow|allow|0"]

    /// projectcalico/calico#13185: deny lines with zero packets and bytes after the traffic was allowed.
    @Test func staleDenyLinesAreCountedAndDecideNothing() throws {
        let ghost = L(
            dst: ("wep", "app", "ghost-*", ["app=ghost"]), action: "deny", reporter: "dst",
            policies: PolicyLists(enforced: ["0|default|np:app/deny-old|deny|0"], pending: Self.pendingAllow), packets: 0, bytes: 0)
        let real = L(
            dst: ("wep", "app", "real-*", ["app=real"]), action: "deny", reporter: "dst",
            policies: PolicyLists(enforced: ["0|default|np:app/deny-old|deny|0"], pending: Self.pendingAllow))
        let r = try report([ghost, ghost, ghost, real])
        let c = classes(r)
        #expect(c["client-*->real-*:8080"] == .wouldNewlyAllow)
        #expect(c["client-*->ghost-*:8080"] == nil, "\(c)")
        #expect(r.summary.felixTraceBugs == ["stale_deny": 3])
        #expect(r.caveats.contains { $0.hasPrefix("3 line(s) look like Felix bug projectcalico/calico#13185") && $0.contains("flowq query 'action:deny and packets_in:0") })
    }

    /// projectcalico/calico#13410: a staged policy as the enforced verdict; alone it is unknown, with healthy lines
    /// of the same side the healthy ones decide.
    @Test func stagedPolicyAsEnforcedVerdictIsNotTrusted() throws {
        let buggy = PolicyLists(enforced: ["0|default|snp:app/staged-allow|allow|0"], pending: stagedDenyV2)
        let alone = L(dst: ("wep", "app", "alone-*", ["app=alone"]), policies: buggy)
        let control = L(dst: ("wep", "app", "control-*", ["app=control"]), policies: PolicyLists(enforced: Self.kns, pending: stagedDenyV2))
        let mixedBug = L(dst: ("wep", "app", "mixed-*", ["app=mixed"]), policies: buggy)
        var mixedHealthy = L(dst: ("wep", "app", "mixed-*", ["app=mixed"]), policies: PolicyLists(enforced: Self.kns, pending: stagedDenyV2))
        mixedHealthy.start += 3600
        let r = try report([alone, control, mixedBug, mixedHealthy])
        let c = classes(r)
        #expect(c["client-*->control-*:8080"] == .wouldBreak)
        #expect(c["client-*->alone-*:8080"] == .unknown, "\(c)")
        #expect(c["client-*->mixed-*:8080"] == .wouldBreak)
        #expect(r.connections.first { $0.destination.name == "alone-*" }?.reason?.contains("#13410") == true)
        #expect(r.summary.felixTraceBugs == ["staged_as_enforced": 2])
        #expect(r.caveats.contains { $0.contains("projectcalico/calico#13410") && $0.contains("policies.enforced_policies:") })
    }

    /// projectcalico/calico#13416: a pending trace that ends in a staged pass tells no verdict.
    @Test func pendingTraceEndingInAStagedPassIsUnknownWithItsReason() throws {
        let cut = PolicyLists(enforced: Self.kns, pending: ["0|default|snp:app/staged-pass|pass|0"])
        let r = try report([L(policies: cut), L(policies: cut)])
        #expect(r.connections.count == 1 && r.connections[0].classification == .unknown)
        #expect(r.connections[0].reason?.contains("projectcalico/calico#13416") == true, "\(r.connections[0].reason ?? "")")
        #expect(r.summary.felixTraceBugs == ["pending_without_end_of_tier": 2])
        #expect(FelixTraceBug.shapes(of: PolicyLists(pending: ["1|default|sgnp:x|pass|0", "0|default|np:app/y|pass|0"])) == [.pendingWithoutEndOfTier])
        #expect(FelixTraceBug.shapes(of: PolicyLists(pending: ["0|default|np:app/y|pass|0", "1|default|sgnp:x|deny|-1"])).isEmpty)
    }
}
