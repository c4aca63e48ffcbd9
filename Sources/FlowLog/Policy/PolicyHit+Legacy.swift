extension PolicyHit {
    /// The hit written in the v1 legacy name format (`tier.staged:name` …), as older tools and queries expect.
    public var legacyString: String {
        let ns = namespace ?? "default"
        let namePart: String
        switch kind {
        case .globalNetworkPolicy, .clusterNetworkPolicy:
            namePart = name.hasPrefix("\(tier).") ? name : "\(tier).\(name)"
        case .networkPolicy:
            namePart = "\(ns)/" + (name.hasPrefix("\(tier).") ? name : "\(tier).\(name)")
        case .kubernetesNetworkPolicy: namePart = "\(ns)/knp.default.\(name)"
        case .stagedGlobalNetworkPolicy:
            namePart = name.hasPrefix("\(tier).") ? "\(tier).staged:\(name.dropFirst(tier.count + 1))" : "\(tier).staged:\(name)"
        case .stagedNetworkPolicy:
            namePart = "\(ns)/" + (name.hasPrefix("\(tier).")
                ? "\(tier).staged:\(name.dropFirst(tier.count + 1))" : "\(tier).staged:\(name)")
        case .stagedKubernetesNetworkPolicy: namePart = "\(ns)/staged:knp.default.\(name)"
        case .adminNetworkPolicy: namePart = "kanp.adminnetworkpolicy.\(name)"
        case .baselineAdminNetworkPolicy: namePart = "kbanp.baselineadminnetworkpolicy.\(name)"
        case .profile: namePart = "__PROFILE__.\(name)"
        case .endOfTier: namePart = "__NO_MATCH__"
        }
        let rule = ruleIndex.map { "|\($0)" } ?? ""
        return "\(index)|\(tier)|\(namePart)|\(action.rawValue)\(rule)"
    }
}

extension PolicyLists {
    /// What the query field `policies.all_policies` holds for this line.
    ///
    /// Lines that carry `all_policies` (v0 to v1-b): that list. Newer lines (v1-c, v2) have none, so it is
    /// the enforced and pending hits together (what the legacy field combined), each also written in the
    /// v1 form when it was logged in v2 form. So `policies:{all_policies: *staged\:default-deny*}` keeps
    /// finding staged default-deny hits in every era.
    public var allView: [String] {
        if let all { return all }
        var out: [String] = []
        var seen = Set<String>()
        for raw in (enforced ?? []) + (pending ?? []) {
            if seen.insert(raw).inserted { out.append(raw) }
            if let hit = try? PolicyHit.parse(raw), hit.format == .v2 {
                let legacy = hit.legacyString
                if seen.insert(legacy).inserted { out.append(legacy) }
            }
        }
        return out
    }
}
