/// The `policies` object of a line: up to four lists of policy-hit strings.
///
/// Each list is `nil` when its key is absent or `null`, and `[]` when written as `[]`.
public struct PolicyLists: Sendable, Hashable {
    public var all: [String]?
    public var enforced: [String]?
    public var pending: [String]?
    public var transit: [String]?

    public init(all: [String]? = nil, enforced: [String]? = nil, pending: [String]? = nil, transit: [String]? = nil) {
        self.all = all
        self.enforced = enforced
        self.pending = pending
        self.transit = transit
    }

    /// The list for a trace kind.
    public subscript(list: TraceList) -> [String]? {
        get {
            switch list {
            case .all: all
            case .enforced: enforced
            case .pending: pending
            case .transit: transit
            }
        }
        set {
            switch list {
            case .all: all = newValue
            case .enforced: enforced = newValue
            case .pending: pending = newValue
            case .transit: transit = newValue
            }
        }
    }
}

/// Which list of the `policies` object a hit came from.
public enum TraceList: String, CaseIterable, Sendable, Codable {
    case all = "all_policies"
    case enforced = "enforced_policies"
    case pending = "pending_policies"
    case transit = "transit_policies"
}
