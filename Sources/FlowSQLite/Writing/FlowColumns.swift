import FlowStore

/// The `flow` table's columns in SQLite.
typealias FlowColumns = FlowLayout

extension FlowLayout {
    /// Rows of one multi-row insert. Each `sqlite3_step` of a one-row `INSERT` opens and closes a cursor on the
    /// table and on each index and allocates them; 64 rows share that (64 x 45 parameters, far below SQLite's
    /// 32,766).
    static let rowsPerInsert = 64

    /// The inserts of ``rowsPerInsert`` lines and of one, written once (each batch looks its statements up by them).
    static let insertManySQL = insertSQL(rows: rowsPerInsert)
    static let insertOneSQL = insertSQL(rows: 1)

    /// The insert of `rows` lines. `OR FAIL`: a statement of several rows that may abort needs a statement journal
    /// (about 18,000 instructions a statement); one that fails keeps the rows before it instead, and a failed
    /// insert rolls the whole batch's transaction back anyway. No constraint of `flow` can fail for a row the writer
    /// binds (a null id is a new rowid, `conn_id` is always set, the indexes are not unique).
    private static func insertSQL(rows: Int) -> String {
        let row = "(" + names.map { _ in "?" }.joined(separator: ",") + ")"
        return "INSERT OR FAIL INTO flow (\(names.joined(separator: ", "))) VALUES "
            + Array(repeating: row, count: rows).joined(separator: ",")
    }
}
