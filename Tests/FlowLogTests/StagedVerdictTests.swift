import FlowLog
import Testing

@Suite struct StagedVerdictTests {
    @Test func pendingTraceDecidesByHighestIndex() {
        // Random order in the list: the highest index decides.
        let p = PolicyLists(
            enforced: ["1|__PROFILE__|pro:kns.a|allow|0", "0|security|gnp:pass|pass|0"],
            pending: ["1|default|sgnp:default-deny|deny|-1", "0|security|gnp:pass|pass|0"])
        let v = StagedVerdict.evaluate(p, action: "allow")
        #expect(v.outcome == .deny)
        #expect(v.source == .pending)
        #expect(v.deciding?.name == "default-deny")
        #expect(v.deciding?.isStaged == true)
        #expect(!v.approximate)
    }

    @Test func pendingEndingInPassIsUnknown() {
        let v = StagedVerdict.evaluate(PolicyLists(pending: ["0|t|gnp:p|pass|0"]), action: "allow")
        #expect(v.outcome == .unknown)
    }

    @Test func legacyWalkFirstNonPassDecides() {
        let all = [
            "0|security|security.security-default-pass|pass|0", "1|platform|platform.platform-default-pass|pass|0",
            "2|default|default.staged:default-deny|deny|-1", "3|__PROFILE__|__PROFILE__.kns.hipstershop|allow|0",
        ]
        let v = StagedVerdict.evaluate(PolicyLists(all: all), action: "allow")
        #expect(v.outcome == .deny && v.source == .legacyAll && v.deciding?.isStaged == true && !v.approximate)
    }

    /// A staged pass skips the rest of its tier once enforced: a later tier in the trace decides exactly; a trace
    /// that ends inside that tier is uncertain, with the reason (never a verdict read off the skipped policy).
    @Test func legacyStagedPassSkipsTheRestOfItsTier() {
        let ends = StagedVerdict.evaluate(PolicyLists(all: ["0|t|t.staged:sp|pass|0", "1|t|t.allow|allow|0"]), action: "allow")
        #expect(ends.outcome == .unknown && ends.reason?.contains("staged pass in tier t") == true, "\(ends)")
        let denied = StagedVerdict.evaluate(PolicyLists(all: ["0|t|t.staged:sp|pass|0", "1|t|t.deny|deny|0"]), action: "deny")
        #expect(denied.outcome == .unknown)
        let later = StagedVerdict.evaluate(
            PolicyLists(all: ["0|t|t.staged:sp|pass|0", "1|t|t.p|pass|0", "2|default|default.x|deny|0"]), action: "allow")
        #expect(later.outcome == .deny && later.deciding?.name == "x" && !later.approximate)
        // An unselected staged pass is as if it were not there.
        let unselected = StagedVerdict.evaluate(
            PolicyLists(all: ["0|t|t.staged:sp|pass|0", "1|t|t.allow|allow|0"]), action: "allow", enforcing: StagedSelection(["other"]))
        #expect(unselected.outcome == .allow && unselected.deciding?.name == "allow")
    }

    @Test func stagedAllowBeforeStagedDeny() {
        // A staged allow earlier ends the simulated evaluation: nothing breaks.
        let p = PolicyLists(pending: ["0|t|snp:ns/allow-first|allow|0"])
        #expect(StagedVerdict.evaluate(p, action: "allow").outcome == .allow)
        let legacy = PolicyLists(all: ["0|t|ns/t.staged:allow-first|allow|0", "1|default|default.staged:default-deny|deny|-1", "2|__PROFILE__|__PROFILE__.kns.ns|allow|0"])
        #expect(StagedVerdict.evaluate(legacy, action: "allow").outcome == .allow)
    }

    @Test func noTraceIsUnknownWithReason() {
        let v = StagedVerdict.evaluate(PolicyLists(enforced: ["0|t|gnp:a|allow|0"], pending: []), action: "allow")
        #expect(v.outcome == .unknown && v.reason != nil)
        #expect(StagedVerdict.evaluate(nil, action: "allow").outcome == .unknown)
    }

    @Test func selectionLimitsWhichStagedPoliciesAreEnforced() {
        let p = PolicyLists(pending: ["0|security|gnp:pass|pass|0", "1|default|sgnp:default-deny|deny|-1"])
        let only = StagedVerdict.evaluate(p, action: "allow", enforcing: StagedSelection(["default-deny"]))
        #expect(only.outcome == .deny)
        let other = StagedVerdict.evaluate(p, action: "allow", enforcing: StagedSelection(["something-else*"]))
        #expect(other.outcome == .allow && other.approximate)
    }

    @Test func wildcardMatching() {
        #expect(Wildcard.matches("*staged:default-deny*", "2|default|default.staged:default-deny|deny|-1"))
        #expect(!Wildcard.matches("a*b", "ab-c"))
        #expect(Wildcard.matches("a*b*c", "aXbYc"))
        #expect(Wildcard.matches("*", ""))
        #expect(!Wildcard.matches("abc", "abcd"))
    }

    @Test func ipAddresses() {
        #expect(IPAddress.isLoopback("127.0.0.1") && IPAddress.isLoopback("127.5.4.3") && IPAddress.isLoopback("::1"))
        #expect(!IPAddress.isLoopback("10.0.0.1") && !IPAddress.isLoopback("::2"))
        #expect(IPAddress.key("::ffff:10.0.0.1") == IPAddress.key("10.0.0.1"))
        #expect(IPAddress.key("fe80::1%eth0") != nil)
        #expect(IPAddress.key("1.2.3") == nil && IPAddress.key("1.2.3.256") == nil && IPAddress.key("1::2::3") == nil)
        let (lo, hi) = IPAddress.cidr("169.254.0.0/16")!
        let k = IPAddress.key("169.254.169.254")!
        #expect(lo.lexicographicallyPrecedes(k) && k.lexicographicallyPrecedes(hi))
        #expect(IPAddress.cidr("10.0.0.0/33") == nil)
        let (l6, h6) = IPAddress.cidr("fd00::/8")!
        #expect(l6[0] == 0xFD && h6[1] == 0xFF)
    }
}
