import FlowLog

/// One step of a simulated policy evaluation: a policy (or profile) that selected the endpoint and what it did.
struct PolicyStep: Sendable {
    var tier: String
    var kind: PolicyKind
    var namespace: String?
    /// The real object name (for GNPs in this lab it carries the tier prefix, as the lab names them).
    var name: String
    var action: PolicyAction
    var rule: Int

    var isStaged: Bool { kind.isStaged }

    /// The hit string in an era's format, at position `index`.
    func hit(_ index: Int, era: Era) -> String {
        let namePart: String
        if era == .v2 {
            namePart = "\(kind.rawValue):" + (namespace.map { "\($0)/" } ?? "") + name
        } else {
            switch kind {
            case .profile: namePart = "__PROFILE__.\(name)"
            case .kubernetesNetworkPolicy: namePart = "\(namespace ?? "default")/knp.default.\(name)"
            case .stagedKubernetesNetworkPolicy: namePart = "\(namespace ?? "default")/staged:knp.default.\(name)"
            case .stagedGlobalNetworkPolicy: namePart = "\(tier).staged:\(name)"
            case .stagedNetworkPolicy: namePart = "\(namespace ?? "default")/\(tier).staged:\(name)"
            case .networkPolicy: namePart = "\(namespace ?? "default")/\(tier).\(name)"
            default: namePart = name.hasPrefix("\(tier).") ? name : "\(tier).\(name)"
            }
        }
        let tierField = kind == .profile ? "__PROFILE__" : tier
        if era == .v0 { return "\(index)|\(tierField)|\(namePart)|\(action.rawValue)" }
        return "\(index)|\(tierField)|\(namePart)|\(action.rawValue)|\(rule)"
    }
}

/// The traces Felix would log for one evaluation order, per era (§3.4 of the format doc).
struct Traces {
    var all: [String]?
    var enforced: [String]?
    var pending: [String]?
    var transit: [String]?
    /// The enforced verdict (the line's action).
    var action: PolicyAction

    /// - Parameters:
    ///   - steps: every policy that selects the endpoint, staged ones included, in evaluation order.
    ///   - pendingComputed: `false` for host endpoints and remote sides (no pending trace).
    init(_ steps: [PolicyStep], era: Era, pendingComputed: Bool) {
        let enforcedSteps = Traces.cut(steps.filter { !$0.isStaged })
        let pendingSteps = Traces.cut(steps)
        // The dataplane trace of v1-a: staged hits interleaved until the first *enforced* verdict.
        var legacySteps: [PolicyStep] = []
        for s in steps {
            legacySteps.append(s)
            if !s.isStaged && s.action != .pass { break }
        }
        action = enforcedSteps.last?.action ?? .deny
        func render(_ s: [PolicyStep]) -> [String] { s.enumerated().map { $1.hit($0, era: era) } }
        switch era {
        case .v0, .v1a:
            all = render(legacySteps)
        case .v1b:
            all = render(legacySteps)
            enforced = render(enforcedSteps)
            pending = pendingComputed ? render(pendingSteps) : []
            transit = []
        case .v1c, .v2:
            enforced = render(enforcedSteps)
            pending = pendingComputed ? render(pendingSteps) : nil
            transit = []
        }
    }

    /// The prefix up to and including the first allow or deny.
    private static func cut(_ steps: [PolicyStep]) -> [PolicyStep] {
        var out: [PolicyStep] = []
        for s in steps {
            out.append(s)
            if s.action != .pass { break }
        }
        return out
    }

    var lists: PolicyLists { PolicyLists(all: all, enforced: enforced, pending: pending, transit: transit) }
}
