import FlowPostgres
import FlowSQLite
import FlowStore
import Foundation

/// What `--db` names: a SQLite file (the embedded default), or a PostgreSQL database by URL
/// (`postgres://user@host:port/db?sslmode=…`). The one place that picks a backend.
enum StoreLocation {
    /// `--db`'s default: `$FLOWQ_DB`, else `./flowq.db`.
    /// Read with `getenv`: ArgumentParser asks for it each time it makes a command (five times a `flowq query`), and
    /// `ProcessInfo.environment` builds a dictionary of the whole environment each time (2.4M instructions).
    static var defaultValue: String { getenv("FLOWQ_DB").map { String(cString: $0) } ?? "flowq.db" }

    /// The backend `--db` names.
    static func backend(_ db: String) throws -> any StoreBackend {
        PostgresLocation.isURL(db) ? try PostgresBackend(url: db) : SQLiteBackend(path: db)
    }
}
