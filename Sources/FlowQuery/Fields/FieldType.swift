/// How a field's values compare (mirrors the Elasticsearch mapping of Calico's flow index).
public enum FieldType: String, Sendable, CaseIterable {
    /// Exact, case-sensitive strings; wildcards with `*`.
    case keyword
    /// Integers: numeric comparison.
    case number
    /// IPv4/IPv6 addresses: equality, CIDR (`10.0.0.0/8`), ranges.
    case ip
    /// Times: epoch seconds (or ms for `@timestamp`), ISO-8601, date math (`now-1h`, `now/d`).
    case date
    /// A set of `key=value` labels (multi-valued keyword).
    case labels
    /// A list of policy-hit strings (multi-valued keyword).
    case policyList = "policy list"
    /// A list of strings (multi-valued keyword).
    case stringList = "string list"
    /// A list of integers.
    case numberList = "number list"
    /// A list of IP addresses.
    case ipList = "ip list"

    /// The type one element of a multi-valued field compares as.
    public var elementType: FieldType {
        switch self {
        case .labels, .policyList, .stringList: .keyword
        case .numberList: .number
        case .ipList: .ip
        default: self
        }
    }

    public var isMultiValued: Bool { elementType != self }
}
