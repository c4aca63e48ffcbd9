import FlowLog
import FlowQuery

/// What identifies one side of a line in the `endpoint` dictionary: its type, namespace, aggregated name and
/// labels (the label set is a dictionary of its own).
public struct EndpointFields {
    /// `wep`, `hep`, `ns`, `net`…
    public var type: String?
    /// The namespace (`-` where there is none).
    public var namespace: String?
    /// The aggregated name (a pod's ReplicaSet prefix, `pvt`, `pub`…).
    public var nameAggr: String?
    /// The labels as `key=value`, in the line's order (the dictionary stores them in ``CanonicalOrder``).
    public var labels: [String]?

    /// The endpoint `r` names on `side`, or `nil` when it names none there.
    @inlinable
    public init?(_ r: FlowRecord, _ side: Side) {
        switch side {
        case .source: (type, namespace, nameAggr, labels) = (r[.sourceType], r[.sourceNamespace], r[.sourceNameAggr], r.sourceLabels)
        case .dest: (type, namespace, nameAggr, labels) = (r[.destType], r[.destNamespace], r[.destNameAggr], r.destLabels)
        }
        if type == nil && namespace == nil && nameAggr == nil && labels == nil { return nil }
    }
}
