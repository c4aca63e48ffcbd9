import FlowLog
import FlowPolicy
import FlowQuery

/// Policy simulation in a report: everywhere (`flowq simulate`) or only where the log has no trace
/// (`flowq report --policies`).
public struct Simulation: Sendable {
    public enum Mode: Sendable { case everywhere, whereUnknown }

    public var simulator: PolicySimulator
    public var mode: Mode

    public init(simulator: PolicySimulator, mode: Mode) {
        self.simulator = simulator
        self.mode = mode
    }
}

/// What a readiness analysis looks at.
public struct ReadinessOptions: Sendable {
    /// Only lines whose interval starts in `[since, until]` (Unix seconds).
    public var since: Int64?
    public var until: Int64?
    /// A host whose observed window is shorter makes the verdict INSUFFICIENT EVIDENCE.
    public var minimumWindowHours: Double
    /// The staged policies to treat as enforced; `nil`: all.
    public var enforcing: StagedSelection?
    public var failsafes: FailsafePorts
    /// Known noise: built-in rules plus the user's.
    public var noise: [NoiseRule]
    /// "now" for the report's timestamp, Unix seconds.
    public var now: Int64
    /// Evaluate Calico policy YAML against the flows.
    public var simulation: Simulation?
    /// Only lines matching this predicate (a KQL query).
    public var filter: Filter?

    public init(
        since: Int64? = nil, until: Int64? = nil, minimumWindowHours: Double = 24, enforcing: StagedSelection? = nil,
        failsafes: FailsafePorts = .defaults, noise: [NoiseRule] = NoiseRule.builtIn, now: Int64
    ) {
        self.since = since
        self.until = until
        self.minimumWindowHours = minimumWindowHours
        self.enforcing = enforcing
        self.failsafes = failsafes
        self.noise = noise
        self.now = now
    }
}

extension ReadinessOptions {
    /// Evaluates `set` against every line (`flowq simulate`, `POST /api/v1/simulate`): staged kinds in it are
    /// enforced (all, or those `enforcing` names), and a FelixConfiguration in it gives the failsafe ports unless
    /// `keepFailsafes` (they came from `--felix-config`).
    public mutating func simulate(_ set: PolicySet, enforcing: [String], keepFailsafes: Bool) {
        if !keepFailsafes, let inbound = set.failsafeInbound { failsafes.inbound = FailsafePorts.parse(inbound) }
        if !keepFailsafes, let outbound = set.failsafeOutbound { failsafes.outbound = FailsafePorts.parse(outbound) }
        simulation = Simulation(
            simulator: PolicySimulator(set, enforcing: enforcing.isEmpty ? nil : StagedSelection(enforcing)), mode: .everywhere)
    }
}
