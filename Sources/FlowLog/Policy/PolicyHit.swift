/// One parsed policy-hit string such as `2|default|default.staged:default-deny|deny|-1`.
public struct PolicyHit: Sendable, Hashable, Codable {
    /// The position of the hit in its trace (sort by it; lists come in random order).
    public var index: Int
    public var tier: String
    public var kind: PolicyKind
    /// The namespace of a namespaced policy, or `nil`.
    public var namespace: String?
    /// The policy (or profile) name, without tier prefix, kind prefix or `staged:` marker.
    public var name: String
    public var action: PolicyAction
    /// The rule index: `>= 0` a rule, `-1` end of tier, `-2` unknown; `nil` in the v0 format.
    public var ruleIndex: Int?
    public var isStaged: Bool
    public var format: HitFormat
    /// The string as logged.
    public var raw: String

    /// `true` when no rule matched and the tier's default action applied (rule index `-1`).
    public var isEndOfTier: Bool { ruleIndex == -1 }

    /// `namespace/name` or `name`: how people refer to the policy.
    public var qualifiedName: String { namespace.map { "\($0)/\(name)" } ?? name }

    public init(
        index: Int, tier: String, kind: PolicyKind, namespace: String?, name: String, action: PolicyAction,
        ruleIndex: Int?, isStaged: Bool, format: HitFormat, raw: String
    ) {
        self.index = index
        self.tier = tier
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.action = action
        self.ruleIndex = ruleIndex
        self.isStaged = isStaged
        self.format = format
        self.raw = raw
    }
}

/// Why a policy-hit string could not be parsed.
public struct PolicyHitError: Error, Sendable, Hashable, CustomStringConvertible {
    public var raw: String
    public var reason: String
    public var description: String { "malformed policy hit \"\(raw)\": \(reason)" }
}

extension PolicyHit {
    /// Parses a hit string of any era (v0 4-field, v1 legacy names, v2 kind-prefixed names).
    public static func parse(_ raw: String) throws(PolicyHitError) -> PolicyHit {
        let parts = raw.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 4 || parts.count == 5 else {
            throw PolicyHitError(raw: raw, reason: "expected 4 or 5 '|'-separated fields, found \(parts.count)")
        }
        guard let index = Int(parts[0]), index >= 0 else {
            throw PolicyHitError(raw: raw, reason: "policy index \"\(parts[0])\" is not a number")
        }
        let tier = String(parts[1])
        let namePart = String(parts[2])
        guard !namePart.isEmpty else { throw PolicyHitError(raw: raw, reason: "empty policy name") }
        guard let action = PolicyAction(rawValue: String(parts[3])) else {
            throw PolicyHitError(raw: raw, reason: "action \"\(parts[3])\" is not allow, deny or pass")
        }
        var ruleIndex: Int? = nil
        if parts.count == 5 {
            guard let r = Int(parts[4]), r >= -2 else {
                throw PolicyHitError(raw: raw, reason: "rule index \"\(parts[4])\" is not a number >= -2")
            }
            ruleIndex = r
        }
        var hit = PolicyHit(
            index: index, tier: tier, kind: .globalNetworkPolicy, namespace: nil, name: namePart, action: action,
            ruleIndex: ruleIndex, isStaged: false, format: parts.count == 4 ? .v0 : .v1, raw: raw)
        if let colon = namePart.firstIndex(of: ":"), let kind = PolicyKind(rawValue: String(namePart[..<colon])) {
            hit.format = parts.count == 4 ? .v0 : .v2
            hit.kind = kind
            hit.isStaged = kind.isStaged
            var rest = String(namePart[namePart.index(after: colon)...])
            if let slash = rest.firstIndex(of: "/"), kind != .profile {
                hit.namespace = String(rest[..<slash])
                rest = String(rest[rest.index(after: slash)...])
            }
            hit.name = rest
            hit.dropDefaultTierPrefix()
            return hit
        }
        parseLegacyName(namePart, tier: tier, into: &hit)
        hit.dropDefaultTierPrefix()
        return hit
    }

    /// Calico 3.29.0-3.29.3 created policies of the default tier as `default.<name>`; 3.31 renames them `<name>`. A
    /// store holding lines from before and after the upgrade sees one policy: the prefix is dropped from Calico
    /// policies of the default tier (the raw string keeps it).
    mutating func dropDefaultTierPrefix() {
        guard tier == "default", name.hasPrefix("default."), name.count > "default.".count else { return }
        switch kind {
        case .globalNetworkPolicy, .networkPolicy, .stagedGlobalNetworkPolicy, .stagedNetworkPolicy:
            name.removeFirst("default.".count)
        default:
            return
        }
    }

    /// v1 naming (§3.2 of the format doc): `tier.name`, `ns/tier.name`, `tier.staged:name`, `staged:tier.name`,
    /// `ns/knp.default.name`, `ns/staged:knp.default.name`, `kanp.`, `kbanp.`, `__PROFILE__.`, `__NO_MATCH__`.
    private static func parseLegacyName(_ namePart: String, tier: String, into hit: inout PolicyHit) {
        hit.isStaged = namePart.contains("staged:")
        if tier == "__PROFILE__" || namePart.hasPrefix("__PROFILE__.") {
            hit.kind = .profile
            hit.name = namePart.hasPrefix("__PROFILE__.") ? String(namePart.dropFirst("__PROFILE__.".count)) : namePart
            return
        }
        if namePart == "__NO_MATCH__" {
            hit.kind = .endOfTier
            return
        }
        var rest = Substring(namePart)
        if let slash = rest.firstIndex(of: "/") {
            hit.namespace = String(rest[..<slash])
            rest = rest[rest.index(after: slash)...]
        }
        var staged = false
        func strip(_ prefix: String) -> Bool {
            guard rest.hasPrefix(prefix) else { return false }
            rest = rest.dropFirst(prefix.count)
            return true
        }
        if strip("staged:") { staged = true }
        if strip("knp.default.") || strip("knp.") {
            hit.kind = staged ? .stagedKubernetesNetworkPolicy : .kubernetesNetworkPolicy
        } else if strip("kanp.adminnetworkpolicy.") || strip("kanp.") {
            hit.kind = .adminNetworkPolicy
        } else if strip("kbanp.baselineadminnetworkpolicy.") || strip("kbanp.") {
            hit.kind = .baselineAdminNetworkPolicy
        } else {
            // `tier.name`, `tier.staged:name`, or (with `staged:` first) `tier.name`.
            if strip(tier + ".") {
                if strip("staged:") { staged = true }
            } else if let stagedRange = rest.firstRange(of: "staged:") {
                // Another placement of the marker: drop it.
                rest = rest[..<stagedRange.lowerBound] + rest[stagedRange.upperBound...]
                staged = true
            }
            let namespaced = hit.namespace != nil
            hit.kind = staged
                ? (namespaced ? .stagedNetworkPolicy : .stagedGlobalNetworkPolicy)
                : (namespaced ? .networkPolicy : .globalNetworkPolicy)
        }
        hit.isStaged = hit.isStaged || staged
        hit.name = String(rest)
    }

    /// Parses every string of a trace and sorts the hits by index. Malformed strings are returned apart.
    public static func parseTrace(_ raws: [String]) -> (hits: [PolicyHit], malformed: [PolicyHitError]) {
        var hits: [PolicyHit] = []
        var bad: [PolicyHitError] = []
        for raw in raws {
            do { hits.append(try parse(raw)) } catch { bad.append(error) }
        }
        hits.sort { $0.index < $1.index }
        return (hits, bad)
    }
}
