/// What a line's traffic would get if staged policies were enforced (§3.5 of the format doc).
public struct StagedVerdict: Sendable, Hashable {
    /// The hypothetical outcome.
    public enum Outcome: String, Sendable, Codable {
        case allow, deny, unknown
    }

    /// Which trace the verdict was read from.
    public enum Source: String, Sendable, Codable {
        /// `pending_policies`: Felix's own simulation (authoritative).
        case pending
        /// A legacy `all_policies` walk (v0, v1-a): approximate after a staged pass.
        case legacyAll = "all_policies"
        /// No trace to decide from.
        case none
        /// flowq's own evaluation of Calico policy YAML (`--policies`).
        case simulation
        /// `transit_policies`: an enforced pre-DNAT or apply-on-forward deny at the node (Enterprise 3.22+).
        case transit = "transit_policies"
    }

    public var outcome: Outcome
    public var source: Source
    /// The hit that decided (a staged policy, an enforced one, or an end of tier).
    public var deciding: PolicyHit?
    /// `true` when the trace cannot show exactly what enforcement would do.
    public var approximate: Bool
    /// Why the outcome is unknown or approximate.
    public var reason: String?

    public init(outcome: Outcome, source: Source, deciding: PolicyHit?, approximate: Bool, reason: String?) {
        self.outcome = outcome
        self.source = source
        self.deciding = deciding
        self.approximate = approximate
        self.reason = reason
    }

    /// Computes the verdict for one line.
    ///
    /// - Parameters:
    ///   - policies: the line's `policies` object.
    ///   - action: the line's `action` (today's enforced verdict), used when a staged policy that is not
    ///     selected for enforcement decided the trace.
    ///   - enforcing: which staged policies to treat as enforced; `nil` means all of them.
    public static func evaluate(
        _ policies: PolicyLists?, action: String?, enforcing: StagedSelection? = nil
    ) -> StagedVerdict {
        guard let policies else {
            return StagedVerdict(
                outcome: .unknown, source: .none, deciding: nil, approximate: false,
                reason: "policies not logged (flowLogsFileIncludePolicies is off)")
        }
        if let denied = transitDeny(policies.transit) {
            return StagedVerdict(
                outcome: .deny, source: .transit, deciding: denied, approximate: false,
                reason: "denied in transit by \(denied.qualifiedName) (pre-DNAT or applyOnForward policy): "
                    + "enforced today, whatever the staged policies say")
        }
        if let pending = policies.pending, !pending.isEmpty {
            let (hits, bad) = PolicyHit.parseTrace(pending)
            if let first = bad.first {
                return StagedVerdict(outcome: .unknown, source: .pending, deciding: nil, approximate: false, reason: first.description)
            }
            return fromPending(hits, action: action, enforcing: enforcing)
        }
        if let all = policies.all, !all.isEmpty {
            let (hits, bad) = PolicyHit.parseTrace(all)
            if let first = bad.first {
                return StagedVerdict(outcome: .unknown, source: .legacyAll, deciding: nil, approximate: false, reason: first.description)
            }
            return fromLegacy(hits, enforcing: enforcing)
        }
        return StagedVerdict(
            outcome: .unknown, source: .none, deciding: nil, approximate: false,
            reason: "no pending trace (host endpoint, remote or network endpoint, or evaluation mode None)")
    }

    /// The enforced deny of a transit trace, if its verdict is deny: Felix makes such a line's action deny
    /// (`getActionAndReporterFromRuleID`), and no staged workload policy can let it through. Staged hits in the
    /// trace do not decide today.
    static func transitDeny(_ transit: [String]?) -> PolicyHit? {
        guard let transit, !transit.isEmpty else { return nil }
        let hits = PolicyHit.parseTrace(transit).hits.filter { !$0.isStaged && $0.action != .pass }
        guard let decided = hits.min(by: { $0.index < $1.index }), decided.action == .deny else { return nil }
        return decided
    }

    private static func selected(_ hit: PolicyHit, _ enforcing: StagedSelection?) -> Bool {
        !hit.isStaged || (enforcing?.matches(hit) ?? true)
    }

    private static func fromPending(_ hits: [PolicyHit], action: String?, enforcing: StagedSelection?) -> StagedVerdict {
        guard let last = hits.last else {
            return StagedVerdict(outcome: .unknown, source: .pending, deciding: nil, approximate: false, reason: "empty trace")
        }
        if enforcing == nil || selected(last, enforcing) {
            switch last.action {
            case .allow: return StagedVerdict(outcome: .allow, source: .pending, deciding: last, approximate: false, reason: nil)
            case .deny: return StagedVerdict(outcome: .deny, source: .pending, deciding: last, approximate: false, reason: nil)
            case .pass:
                let bug = FelixTraceBug.pendingWithoutEndOfTier
                return StagedVerdict(
                    outcome: .unknown, source: .pending, deciding: last, approximate: false,
                    reason: last.isStaged
                        ? "\(bug.explanation) (Felix bug \(bug.issue))" : "malformed pending trace: it ends in pass")
            }
        }
        // A staged policy outside the selection decided: what follows it is not in the trace.
        // Skip unselected staged hits; the first selected non-pass decides, else today's action stands.
        for hit in hits where selected(hit, enforcing) && hit.action != .pass && hit.index < last.index {
            return StagedVerdict(
                outcome: hit.action == .allow ? .allow : .deny, source: .pending, deciding: hit, approximate: true,
                reason: "staged policy \(last.qualifiedName) is not selected; decided by an earlier hit")
        }
        let today: Outcome = action == "deny" ? .deny : (action == "allow" ? .allow : .unknown)
        return StagedVerdict(
            outcome: today, source: .pending, deciding: nil, approximate: true,
            reason: "staged policy \(last.qualifiedName) is not selected; today's action assumed")
    }

    /// A legacy `all_policies` walk: the dataplane's own evaluation, with staged hits interleaved. A selected staged
    /// pass would skip the rest of its tier once enforced, so the hits after it in that tier are skipped; a hit in a
    /// later tier then decides exactly. When the trace ends inside that tier (its enforced verdict came from a policy
    /// the staged pass would skip), the trace does not show what the next tiers would do: uncertain, with the reason.
    private static func fromLegacy(_ hits: [PolicyHit], enforcing: StagedSelection?) -> StagedVerdict {
        var skipping: String? = nil
        for hit in hits where selected(hit, enforcing) {
            if let tier = skipping {
                if hit.tier == tier { continue }
                skipping = nil
            }
            if hit.action == .pass {
                if hit.isStaged { skipping = hit.tier }
                continue
            }
            return StagedVerdict(
                outcome: hit.action == .allow ? .allow : .deny, source: .legacyAll, deciding: hit, approximate: false, reason: nil)
        }
        if let tier = skipping {
            return StagedVerdict(
                outcome: .unknown, source: .legacyAll, deciding: nil, approximate: false,
                reason: "legacy trace after a staged pass in tier \(tier): enforcing it skips the rest of that tier, and the trace does not show what the next tiers would do")
        }
        return StagedVerdict(
            outcome: .unknown, source: .legacyAll, deciding: nil, approximate: false,
            reason: "legacy trace has no allow or deny")
    }
}

/// The staged policies to treat as enforced: names with `*` wildcards, matched against the policy name,
/// `namespace/name`, and the raw name part.
public struct StagedSelection: Sendable, Hashable {
    public var patterns: [String]

    public init(_ patterns: [String]) { self.patterns = patterns }

    /// Whether a policy given by name, namespace and tier is selected.
    public func matchesPolicy(_ name: String, namespace: String?, tier: String) -> Bool {
        let qualified = namespace.map { "\($0)/\(name)" } ?? name
        return patterns.contains { p in
            Wildcard.matches(p, name) || Wildcard.matches(p, qualified) || Wildcard.matches(p, "\(tier).\(name)")
        }
    }

    /// Whether the hit's policy is selected.
    public func matches(_ hit: PolicyHit) -> Bool {
        patterns.contains { p in
            Wildcard.matches(p, hit.name) || Wildcard.matches(p, hit.qualifiedName)
                || Wildcard.matches(p, "\(hit.tier).\(hit.name)")
        }
    }
}

/// `*`-only glob matching (the only wildcard KQL and `--policy` know).
public enum Wildcard {
    /// Whether `text` matches `pattern`, where `*` matches any run of characters.
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let segments = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        return matches(segments: segments, text)
    }

    /// Whether `text` matches the pattern given as the literal segments between `*`s.
    public static func matches(segments: [String], _ text: String) -> Bool {
        if segments.count == 1 { return text == segments[0] }
        var rest = Substring(text)
        guard rest.hasPrefix(segments[0]) else { return false }
        rest = rest.dropFirst(segments[0].count)
        let last = segments[segments.count - 1]
        for seg in segments[1..<(segments.count - 1)] where !seg.isEmpty {
            guard let r = rest.firstRange(of: seg) else { return false }
            rest = rest[r.upperBound...]
        }
        return rest.count >= last.count && rest.hasSuffix(last)
    }
}
