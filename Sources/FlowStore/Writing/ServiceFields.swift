import FlowLog

/// What identifies the service a line names in the `service` dictionary.
public struct ServiceFields: Hashable {
    /// The service's namespace.
    public var namespace: String?
    /// The service's name.
    public var name: String?
    /// The name of the service port the line reached.
    public var portName: String?
    /// The number of that port.
    public var portNum: Int64?

    /// The service `r` names, or `nil` when it names none.
    @inlinable
    public init?(_ r: FlowRecord) {
        (namespace, name, portName, portNum) = (r[.destServiceNamespace], r[.destServiceName], r[.destServicePort], r[.destServicePortNum])
        if namespace == nil && name == nil && portName == nil && portNum == nil { return nil }
    }
}
