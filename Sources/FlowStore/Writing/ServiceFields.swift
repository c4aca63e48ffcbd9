import FlowLog

/// What identifies the service a line names in the `service` dictionary.
public struct ServiceFields: Hashable {
    public var namespace: String?
    public var name: String?
    public var portName: String?
    public var portNum: Int64?

    /// The service `r` names, or `nil` when it names none.
    @inlinable
    public init?(_ r: FlowRecord) {
        (namespace, name, portName, portNum) = (r[.destServiceNamespace], r[.destServiceName], r[.destServicePort], r[.destServicePortNum])
        if namespace == nil && name == nil && portName == nil && portNum == nil { return nil }
    }
}
