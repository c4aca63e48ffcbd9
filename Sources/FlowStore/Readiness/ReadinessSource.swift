import FlowLog
import FlowQuery

/// What the readiness report and the simulator's check read from a store: the dictionaries (small), and the lines
/// of chosen connections grouped by hour, from the hourly roll-up or from the lines themselves.
///
/// Ids are the backend's own (connection, endpoint, service, host, trace and list ids); they are only compared and
/// passed back, never shown.
public protocol ReadinessSource: AnyObject {
    /// Every distinct policy trace.
    func traces() throws -> [(id: Int64, policies: PolicyLists)]
    /// Every connection (the `conn` dictionary: the fields all its lines share).
    func connections() throws -> [Int64: ConnectionRow]
    /// Per trace (nil: lines without one), the roll-up's lines in the window and those of deny lines with every
    /// counter zero (Felix's stale denies).
    func traceTotals(_ window: ReadWindow) throws -> [(traceID: Int64?, lines: Int64, staleDenyLines: Int64)]
    /// The roll-up rows of these connections in the window, with each connection's domain lists.
    func hourRows(of connections: [Int64], _ window: ReadWindow) throws -> [ConnectionHour]
    /// The lines of these connections in the window (and matching `filter`), grouped as the roll-up groups them,
    /// with the index of the first `noise` predicate each group matches. `everyAddress` lists every distinct source
    /// and destination address (for `nets` rules); otherwise the lowest and highest are enough.
    func lineGroups(
        of connections: [Int64], _ window: ReadWindow, filter: Filter?, noise: [Filter], nets: NetEndpoints,
        everyAddress: Bool
    ) throws -> [ConnectionHour]
    /// The distinct (connection, network addresses) of these connections' lines in the window matching a predicate.
    func lineKeys(of connections: [Int64], _ window: ReadWindow, matching: Filter, nets: NetEndpoints) throws -> [LineKey]
    /// The distinct (connection, network addresses) of these connections in the roll-up, in the window.
    func hourKeys(of connections: [Int64], _ window: ReadWindow) throws -> [LineKey]
    /// The ids of `net` endpoints (networks are told apart by their address).
    func netEndpointIDs() throws -> Set<Int64>
    /// Every endpoint, with its full label list.
    func endpoints() throws -> [EndpointRow]
    /// Every service: (id, namespace, name, port name).
    func services() throws -> [(id: Int64, namespace: String?, name: String?, portName: String?)]
    /// Every host name by id.
    func hosts() throws -> [Int64: String]
    /// Every list (domains, process arguments) by id.
    func stringLists() throws -> [Int64: [String]]
    /// Per host, the roll-up's first and last time and lines in the window.
    func hostTotals(_ window: ReadWindow) throws -> [(hostID: Int64, first: Int64?, last: Int64?, lines: Int64)]
    /// The hosts that any stored line belongs to.
    func hostsWithLines() throws -> Set<Int64>
}

/// The report's window: lines that started in [since, until] (epoch seconds), either end open.
public struct ReadWindow: Sendable, Equatable {
    public var since: Int64?
    public var until: Int64?

    public init(since: Int64? = nil, until: Int64? = nil) {
        self.since = since
        self.until = until
    }
}

/// The connections whose source or destination is a `net` endpoint: their lines are told apart by address.
public struct NetEndpoints: Sendable, Equatable {
    public var sourceConnections: Set<Int64>
    public var destConnections: Set<Int64>

    public init(sourceConnections: Set<Int64>, destConnections: Set<Int64>) {
        self.sourceConnections = sourceConnections
        self.destConnections = destConnections
    }
}

/// A connection and the network addresses of its lines (empty when its side is not a network).
public struct LineKey: Sendable, Hashable {
    public var connection: Int64
    public var netSource: String
    public var netDest: String

    public init(connection: Int64, netSource: String, netDest: String) {
        (self.connection, self.netSource, self.netDest) = (connection, netSource, netDest)
    }
}

/// A row of the `conn` dictionary: what every line of a connection shares.
public struct ConnectionRow: Sendable, Equatable {
    public var hostID: Int64?, sourceEndpoint: Int64?, destEndpoint: Int64?, port: Int64?, proto: String?, serviceID: Int64?
    public var action: String?, reporter: String?, traceID: Int64?

    public init(
        hostID: Int64? = nil, sourceEndpoint: Int64? = nil, destEndpoint: Int64? = nil, port: Int64? = nil, proto: String? = nil,
        serviceID: Int64? = nil, action: String? = nil, reporter: String? = nil, traceID: Int64? = nil
    ) {
        (self.hostID, self.sourceEndpoint, self.destEndpoint, self.port, self.proto) = (hostID, sourceEndpoint, destEndpoint, port, proto)
        (self.serviceID, self.action, self.reporter, self.traceID) = (serviceID, action, reporter, traceID)
    }
}

/// An endpoint of the dictionary.
public struct EndpointRow: Sendable, Equatable {
    public var id: Int64
    public var type: String?
    public var namespace: String?
    public var nameAggr: String?
    public var labels: [String]

    public init(id: Int64, type: String?, namespace: String?, nameAggr: String?, labels: [String]) {
        (self.id, self.type, self.namespace, self.nameAggr, self.labels) = (id, type, namespace, nameAggr, labels)
    }
}

/// One connection's lines of one hour (with the same loopback flag and network addresses): a roll-up row, or a
/// group of lines.
public struct ConnectionHour: Sendable, Equatable {
    public var connection: Int64
    public var loopback: Bool
    public var hour: Int64
    public var netSource: String?
    public var netDest: String?
    /// The first noise rule the lines match (line groups only).
    public var noise: Int?
    public var lines: Int64
    public var flows: Int64
    public var bytes: Int64
    public var packets: Int64
    public var first: Int64
    public var last: Int64
    public var sourceIPs: [String]
    public var destIPs: [String]
    public var domainIDs: [Int64]

    public init(
        connection: Int64, loopback: Bool, hour: Int64, netSource: String?, netDest: String?, noise: Int? = nil, lines: Int64,
        flows: Int64, bytes: Int64, packets: Int64, first: Int64, last: Int64, sourceIPs: [String], destIPs: [String],
        domainIDs: [Int64]
    ) {
        (self.connection, self.loopback, self.hour, self.netSource, self.netDest, self.noise) =
            (connection, loopback, hour, netSource, netDest, noise)
        (self.lines, self.flows, self.bytes, self.packets, self.first, self.last) = (lines, flows, bytes, packets, first, last)
        (self.sourceIPs, self.destIPs, self.domainIDs) = (sourceIPs, destIPs, domainIDs)
    }
}
