import FlowStore
import GRDB

/// The store's versioned schema (GRDB migrations). The DDL of each version is also in `Schemas/`.
public enum Schema {
    /// The migrator: each migration runs once, in order.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: v1DDL)
        }
        m.registerMigration("v2") { db in
            try db.execute(sql: v2DDL)
        }
        m.registerMigration("v3") { db in
            try db.execute(sql: v3DDL)
        }
        m.registerMigration("v4") { db in
            try canonicalOrder(db)
        }
        m.registerMigration("v5") { db in
            try db.execute(sql: "ALTER TABLE conn_hour ADD COLUMN packets INTEGER NOT NULL DEFAULT 0")
            try db.execute(
                sql: "UPDATE conn_hour AS ch SET packets = d.packets FROM (\(Rollup.sumsOfLines(where: "1"))) AS d WHERE \(Rollup.sameKey)")
        }
        m.registerMigration("v6") { db in
            try db.execute(sql: v6DDL)
        }
        return m
    }

    /// The newest version's identifier.
    public static let currentVersion = "v6"

    /// Migration "v6": a connection's lines are indexed in id order (`start_time` still covered, for time
    /// histograms and bounds), so that the first lines of a few connections are read in order and stop at the
    /// limit instead of every matching line being sorted (``SQLiteStore/records(_:sort:limit:afterID:)``).
    static let v6DDL = """
        DROP INDEX flow_conn;
        CREATE INDEX flow_conn ON flow(conn_id, id, start_time);
        """

    /// Migration "v2": time is found through `flow_span` (one row per stored batch) instead of an index on every
    /// line's `start_time`, which cost about 10% of ingest. Existing lines get spans of 8,192 ids.
    static let v2DDL = """
        CREATE TABLE flow_span (
            first_id INTEGER NOT NULL,
            last_id INTEGER NOT NULL,
            min_start INTEGER,
            max_start INTEGER,
            min_end INTEGER,
            max_end INTEGER
        );
        INSERT INTO flow_span (first_id, last_id, min_start, max_start, min_end, max_end)
            SELECT min(id), max(id), min(start_time), max(start_time), min(end_time), max(end_time)
            FROM flow GROUP BY id / 8192;
        DROP INDEX flow_start_time;
        """

    /// Migration "v3": rejects are counted per file and reason in `reject_count`, and only the first
    /// ``Rejects/keptPerReason`` of each are kept as rows of `reject`. Existing rows are counted.
    static let v3DDL = """
        CREATE TABLE reject_count (
            file_id INTEGER NOT NULL REFERENCES source_file(id),
            code TEXT NOT NULL,
            count INTEGER NOT NULL, -- rejected lines of this reason in this file, kept in `reject` or not
            PRIMARY KEY (file_id, code)
        ) WITHOUT ROWID;
        INSERT INTO reject_count (file_id, code, count)
            SELECT file_id, code, count(*) FROM reject WHERE file_id IS NOT NULL GROUP BY file_id, code;
        """
}
