import FlowQuery
import GRDB
import GRDBSQLite

/// Binds and reads text by its length, so a value with a NUL character (`"yao\u0000bank"` in a line) is stored,
/// matched and printed whole.
///
/// GRDB binds a `String` as a C string and reads one with `String(cString:)`: both stop at the first NUL. The
/// store's own statements (dictionary lookups, query execution, record reads) go through this type instead;
/// GRDB stays for connections, transactions and migrations. Written by hand because it is the few lines of the
/// SQLite C API that GRDB's public API does not expose with a length.
struct RawStatement {
    let handle: SQLiteStatement
    private let db: Database

    /// A statement of `db`'s cache, reset, with `values` bound from parameter 1.
    init(_ db: Database, _ sql: String, _ values: [SQLValue] = []) throws {
        self.db = db
        handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, v) in values.enumerated() { try bind(v, at: Int32(i + 1)) }
    }

    func bind(_ value: SQLValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .int(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(let s): rc = Self.bindText(handle, index, s)
        case .blob(let b): rc = b.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
        case .null: rc = sqlite3_bind_null(handle, index)
        }
        guard rc == SQLITE_OK else { throw error(rc) }
    }

    /// Binds a string by its UTF-8 length, so a NUL inside it is kept (native strings are contiguous, NUL-terminated
    /// UTF-8: no copy before SQLite's own; an empty string still has a valid pointer).
    @inline(__always)
    static func bindText(_ handle: SQLiteStatement, _ index: Int32, _ s: String) -> Int32 {
        s.withCString { sqlite3_bind_text(handle, index, $0, Int32(s.utf8.count), SQLITE_TRANSIENT) }
    }

    /// Advances to the next row; `false` when there is none.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw error(rc)
    }

    /// Runs a statement that returns no rows.
    func run() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// The first column of the first row, as an integer (`nil`: no row, or NULL); the statement is reset after.
    func firstInt() throws -> Int64? {
        defer { sqlite3_reset(handle) }
        return try step() ? int(0) : nil
    }

    /// Calls `body` for each row; the statement is reset after.
    func forEachRow(_ body: (RawStatement) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        while try step() { try body(self) }
    }

    /// Calls `body` for each row until it returns `false`; the statement is reset after.
    func eachRow(while body: (RawStatement) throws -> Bool) throws {
        defer { sqlite3_reset(handle) }
        while try step() {
            guard try body(self) else { return }
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int(_ column: Int32) -> Int64? {
        isNull(column) ? nil : sqlite3_column_int64(handle, column)
    }

    /// The column's text, all of its bytes (NULs included).
    func text(_ column: Int32) -> String? {
        Self.text(handle, column)
    }

    @inline(__always)
    static func text(_ handle: SQLiteStatement, _ column: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, column) else { return nil }
        let n = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// The column as a value of its stored type.
    func value(_ column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
        case SQLITE_TEXT: return .text(text(column) ?? "")
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(handle, column))
            guard let p = sqlite3_column_blob(handle, column), n > 0 else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }

    private func error(_ rc: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
}

extension SQLValue {
    /// A text, or NULL.
    static func of(_ s: String?) -> SQLValue { s.map(SQLValue.text) ?? .null }
    /// An integer, or NULL.
    static func of(_ i: Int64?) -> SQLValue { i.map(SQLValue.int) ?? .null }
}
