import FlowQuery

/// A store opened for writing: ingest, retention, and the reads of the same database.
public typealias WritableStore = FlowWriter & RetentionStore & FlowReader & ReadinessSource

/// A store that readers and writers open: the embedded SQLite file or a PostgreSQL database. Only the executable
/// picks one; everything else receives it.
public protocol StoreBackend: Sendable, CustomStringConvertible {
    /// What `--db` named, with any password left out (for logs and errors).
    var description: String { get }
    /// Opens the store for writing (creating or migrating its schema).
    func openWriter() throws -> any WritableStore
    /// Opens the store for reading.
    func openReader() throws -> any FlowReader & ReadinessSource
    /// The backend's query for a predicate (SQL and bound values), for `explain`: no database is opened.
    func explain(_ filter: Filter) -> QueryPlan
    /// Makes writers waiting for a lock give up (shutdown).
    func stopWaiting()
    /// Whether the store is gone from where it was (an embedded database file deleted): it is then not created
    /// again by a running collector.
    var isMissing: Bool { get }
}

extension StoreBackend {
    public var isMissing: Bool { false }
}
