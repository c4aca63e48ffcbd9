import FlowSQLite
import FlowStore
import Foundation
import GRDB
import TestSupport
import Testing

@Suite struct SchemaTests {
    /// The objects of a database, as (type, name, normalised SQL).
    static func objects(_ db: DatabaseQueue) throws -> [String] {
        try db.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name"
            ).map { row in
                let sql = (row[2] as String?) ?? ""
                return "\(row[0] as String) \(row[1] as String): " + sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            }
        }
    }

    @Test func migratedSchemaMatchesSchemasFile() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("m.db"))
        let ddl = try String(contentsOf: Repo.root.appendingPathComponent("Schemas/flows.sql"), encoding: .utf8)
        let reference = try DatabaseQueue(path: dir.file("ref.db"))
        try reference.write { db in try db.execute(sql: ddl) }
        let migrated = try Self.objects(store.dbQueue)
        let expected = try Self.objects(reference)
        #expect(migrated == expected)
        #expect(migrated.count > 10)
    }

    @Test func reopeningKeepsDataAndIsWAL() throws {
        let dir = TempDir()
        _ = try SQLiteStore(path: dir.file("w.db"))
        let store = try SQLiteStore(path: dir.file("w.db"))
        let mode = try store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func readOnlyOpenOfMissingFileIsAClearError() {
        let dir = TempDir()
        #expect(throws: StoreError.self) { try SQLiteStore(path: dir.file("missing.db"), readOnly: true) }
    }

    @Test func unwritableLocationIsAClearError() throws {
        #expect(throws: StoreError.self) { try SQLiteStore(path: "/proc/flowq-cannot-write-here/x.db") }
    }
}
