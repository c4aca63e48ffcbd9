import GRDB

/// The store's versioned schema (GRDB migrations). The DDL of each version is also in `Schemas/`.
public enum Schema {
    /// The migrator: each migration runs once, in order.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: v1DDL)
        }
        return m
    }

    /// The newest version's identifier.
    public static let currentVersion = "v1"
}
