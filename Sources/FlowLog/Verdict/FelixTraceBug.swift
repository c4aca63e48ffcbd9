/// Shapes of lines that known Felix bugs write: their traces or their action mislead a readiness report, so they
/// are counted and shown, and never decide a connection on their own.
public enum FelixTraceBug: String, CaseIterable, Sendable, Codable, Comparable {
    /// projectcalico/calico#13185: after a policy change allows traffic, deny lines with zero packets and bytes
    /// keep appearing until Felix restarts. Nothing was denied: the line is a ghost of the old policy.
    case staleDeny = "stale_deny"
    /// projectcalico/calico#13410: a staged policy reported as the enforced verdict (the enforced trace is decided
    /// by a staged hit), so the line's action says what a staged policy would do, not what happened.
    case stagedAsEnforced = "staged_as_enforced"
    /// projectcalico/calico#13416: in a tier that mixes staged and enforced policies, the pending trace ends in a
    /// staged pass with nothing after it (the end-of-tier action is missing), so it tells no verdict.
    case pendingWithoutEndOfTier = "pending_without_end_of_tier"

    /// The upstream issue.
    public var issue: String {
        switch self {
        case .staleDeny: "projectcalico/calico#13185"
        case .stagedAsEnforced: "projectcalico/calico#13410"
        case .pendingWithoutEndOfTier: "projectcalico/calico#13416"
        }
    }

    /// What the shape is, in a sentence.
    public var explanation: String {
        switch self {
        case .staleDeny: "deny lines with zero packets and bytes, which Felix keeps writing after a policy change allowed the traffic"
        case .stagedAsEnforced: "an enforced trace decided by a staged policy, so the line's action is a staged policy's"
        case .pendingWithoutEndOfTier: "a pending trace that ends in a staged pass with no end-of-tier action after it"
        }
    }

    /// A KQL query that finds candidate lines of the shape (a superset: the report applies the exact test).
    public var kql: String {
        switch self {
        case .staleDeny: "action:deny and packets_in:0 and packets_out:0 and bytes_in:0 and bytes_out:0"
        case .stagedAsEnforced: #"policies.enforced_policies:(*staged\:* or *sgnp\:* or *snp\:* or *sknp\:*)"#
        case .pendingWithoutEndOfTier: #"policies.pending_policies:(*staged\:*pass* or *sgnp\:*pass* or *snp\:*pass* or *sknp\:*pass*)"#
        }
    }

    /// The shapes of a trace (the `policies` object of a line).
    public static func shapes(of policies: PolicyLists?) -> [FelixTraceBug] {
        guard let policies else { return [] }
        var out: [FelixTraceBug] = []
        if let enforced = policies.enforced, let last = PolicyHit.parseTrace(enforced).hits.last, last.isStaged {
            out.append(.stagedAsEnforced)
        }
        if let pending = policies.pending, let last = PolicyHit.parseTrace(pending).hits.last, last.isStaged, last.action == .pass {
            out.append(.pendingWithoutEndOfTier)
        }
        return out
    }

    /// Whether lines with this action and these sums of counters are ghosts of #13185 (every counter zero).
    public static func isStaleDeny(action: String?, bytes: Int64, packets: Int64) -> Bool {
        action == "deny" && bytes == 0 && packets == 0
    }

    public static func < (a: FelixTraceBug, b: FelixTraceBug) -> Bool { a.rawValue < b.rawValue }
}
