import FlowLog
import FlowPolicy
import FlowStore

/// How well the simulator agrees with the traces Felix logged (`flowq simulate --check`).
public struct SimulationAgreement: Sendable, Equatable, Codable {
    /// Lines compared where the simulator was certain, and how many agreed (verdict and deciding policy).
    public var enforcedCompared: Int64 = 0
    public var enforcedAgreed: Int64 = 0
    public var pendingCompared: Int64 = 0
    public var pendingAgreed: Int64 = 0
    /// Lines with a trace where the simulator was uncertain (not compared).
    public var uncertain: Int64 = 0
    /// Some disagreements, for a person to look at.
    public var examples: [String] = []

    public var rate: Double {
        let n = enforcedCompared + pendingCompared
        return n == 0 ? 1 : Double(enforcedAgreed + pendingAgreed) / Double(n)
    }

    enum CodingKeys: String, CodingKey {
        case enforcedCompared = "enforced_compared", enforcedAgreed = "enforced_agreed", pendingCompared = "pending_compared"
        case pendingAgreed = "pending_agreed", uncertain, examples
    }
}

extension ReadinessAnalyzer {
    /// Simulates every line that has an enforced or pending trace and compares: with staged policies left out
    /// against `enforced_policies`, and with them (per `enforcing`) against `pending_policies`.
    public func checkAgreement(_ set: PolicySet, enforcing: StagedSelection?) throws -> SimulationAgreement {
        let verdicts = try traceVerdicts()
        let conns = try conns()
        let names = try dictionaries()
        let groups = try groups(for: Array(conns.keys), conns, fromLines: true)
        let enforcedSim = PolicySimulator(set, includeStaged: false)
        let pendingSim = PolicySimulator(set, enforcing: enforcing)
        var out = SimulationAgreement()
        for g in groups {
            guard let t = g.traceID, let p = verdicts.byTrace[t] else { continue }
            for (isEnforced, list, sim) in [(true, p.enforced, enforcedSim), (false, p.pending, pendingSim)] {
                guard let raws = list, !raws.isEmpty else { continue }
                let hits = PolicyHit.parseTrace(raws).hits
                guard let last = hits.last, last.action != .pass else { continue }
                let v = simulate(g, sim, names)
                guard v.outcome != .unknown, let d = v.deciding else {
                    out.uncertain += g.lines
                    continue
                }
                let agree = (v.outcome == .allow) == (last.action == .allow) && Self.samePolicy(d, last)
                if isEnforced {
                    out.enforcedCompared += g.lines
                    if agree { out.enforcedAgreed += g.lines }
                } else {
                    out.pendingCompared += g.lines
                    if agree { out.pendingAgreed += g.lines }
                }
                if !agree && out.examples.count < 10 {
                    out.examples.append("\(isEnforced ? "enforced" : "pending") trace ends \(last.raw); simulated \(v.outcome.rawValue) by \(d.raw)")
                }
            }
        }
        return out
    }

    /// The same policy: profiles by name, ends of tier by tier, policies by kind and name (tier prefix optional).
    static func samePolicy(_ a: PolicyHit, _ b: PolicyHit) -> Bool {
        if a.isEndOfTier || b.isEndOfTier { return a.isEndOfTier && b.isEndOfTier && a.tier == b.tier }
        if a.kind == .profile || b.kind == .profile { return a.kind == b.kind && a.name == b.name }
        let strip = { (h: PolicyHit) in h.name.hasPrefix("\(h.tier).") ? String(h.name.dropFirst(h.tier.count + 1)) : h.name }
        return a.namespace == b.namespace && strip(a) == strip(b) && a.isStaged == b.isStaged
            && a.ruleIndex == b.ruleIndex
    }
}
