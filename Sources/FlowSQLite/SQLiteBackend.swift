import FlowQuery
import FlowStore
import Foundation

/// The embedded default: one SQLite file (a node, a log host, a laptop, CI).
public struct SQLiteBackend: StoreBackend {
    /// The database file.
    public var path: String

    public init(path: String) { self.path = path }

    public var description: String { path }

    public func openWriter() throws -> any WritableStore { try SQLiteStore(path: path) }

    public func openReader() throws -> any FlowReader & ReadinessSource { try SQLiteStore(path: path, readOnly: true) }

    public func explain(_ filter: Filter) -> QueryPlan { SQLiteStore.plan(filter) }

    public func stopWaiting() { SQLiteStore.stopWaiting() }

    public var isMissing: Bool { !FileManager.default.fileExists(atPath: path) }
}
