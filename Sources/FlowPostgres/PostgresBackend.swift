import FlowQuery
import FlowStore
import Foundation

/// PostgreSQL: the store for a cluster or a fleet, written by every node's collector and read by every report.
public struct PostgresBackend: StoreBackend {
    public var location: PostgresLocation
    /// The node this process writes for (checkpoints are kept per node): `$FLOWQ_NODE`, else the host name.
    public var node: String

    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        location = try PostgresLocation(url: url, environment: environment)
        node = environment["FLOWQ_NODE"] ?? ProcessInfo.processInfo.hostName
    }

    public var description: String { location.description }

    public func openWriter() throws -> any WritableStore { try PostgresStore(location, node: node) }

    public func openReader() throws -> any FlowReader & ReadinessSource { try PostgresStore(location, node: node) }

    public func explain(_ filter: Filter) -> QueryPlan { PostgresStore.plan(filter) }

    public func stopWaiting() {}
}
