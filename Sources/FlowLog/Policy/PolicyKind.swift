/// The kind of policy a hit names, from the v2 kind prefix or the v1 name conventions.
public enum PolicyKind: String, Sendable, Codable, CaseIterable {
    case globalNetworkPolicy = "gnp"
    case networkPolicy = "np"
    case kubernetesNetworkPolicy = "knp"
    case stagedGlobalNetworkPolicy = "sgnp"
    case stagedNetworkPolicy = "snp"
    case stagedKubernetesNetworkPolicy = "sknp"
    case adminNetworkPolicy = "kanp"
    case baselineAdminNetworkPolicy = "kbanp"
    case clusterNetworkPolicy = "kcnp"
    case profile = "pro"
    case endOfTier = "eot"

    /// Whether this is one of the staged kinds.
    public var isStaged: Bool {
        self == .stagedGlobalNetworkPolicy || self == .stagedNetworkPolicy || self == .stagedKubernetesNetworkPolicy
    }

    /// The Calico resource kind name.
    public var resourceKind: String {
        switch self {
        case .globalNetworkPolicy: "GlobalNetworkPolicy"
        case .networkPolicy: "NetworkPolicy"
        case .kubernetesNetworkPolicy: "KubernetesNetworkPolicy"
        case .stagedGlobalNetworkPolicy: "StagedGlobalNetworkPolicy"
        case .stagedNetworkPolicy: "StagedNetworkPolicy"
        case .stagedKubernetesNetworkPolicy: "StagedKubernetesNetworkPolicy"
        case .adminNetworkPolicy: "AdminNetworkPolicy"
        case .baselineAdminNetworkPolicy: "BaselineAdminNetworkPolicy"
        case .clusterNetworkPolicy: "ClusterNetworkPolicy"
        case .profile: "Profile"
        case .endOfTier: "EndOfTier"
        }
    }
}

/// The action of a policy hit.
public enum PolicyAction: String, Sendable, Codable {
    case allow, deny, pass
}

/// The era a policy-hit string was written in.
public enum HitFormat: String, Sendable, Codable {
    /// 4 fields, no rule index (2019–2020).
    case v0
    /// 5 fields, legacy `tier.name` names.
    case v1
    /// 5 fields, kind-prefixed names (`gnp:`, `snp:` …).
    case v2
}
