import FlowPostgres
import FlowSQLite
import FlowStore
import Foundation

/// What `--db` names: a SQLite file (the embedded default), or a PostgreSQL database by URL
/// (`postgres://user@host:port/db?sslmode=…`). The one place that picks a backend.
enum StoreLocation {
    /// `--db`'s default: `$FLOWQ_DB`, else `./flowq.db`.
    static var defaultValue: String { ProcessInfo.processInfo.environment["FLOWQ_DB"] ?? "flowq.db" }

    /// The backend `--db` names.
    static func backend(_ db: String) throws -> any StoreBackend {
        PostgresLocation.isURL(db) ? try PostgresBackend(url: db) : SQLiteBackend(path: db)
    }
}
