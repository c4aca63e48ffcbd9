import GRDB
import GRDBSQLite

/// Where the text values of the row being inserted are copied before they are bound, so that SQLite takes them as
/// they are (`SQLITE_STATIC`) instead of making its own copy of each (`SQLITE_TRANSIENT`: an allocation, a copy
/// and a free per value, about a tenth of the writer's work per line). A bound value is read by the statement's
/// next `sqlite3_step` only: every text is bound again before the step after, so the arena is reused statement after
/// statement (one holds up to 64 rows). Texts that do not fit let SQLite copy them.
struct TextArena: ~Copyable {
    private static var capacity: Int { 1 << 18 }
    private let base = UnsafeMutablePointer<UInt8>.allocate(capacity: TextArena.capacity)
    private var used = 0

    deinit { base.deallocate() }

    /// Starts a statement: the previous one's values are no longer bound.
    mutating func reset() { used = 0 }

    /// Binds `s` to parameter `index` of `statement`.
    @inline(__always)
    mutating func bind(_ s: String, to statement: SQLiteStatement, _ index: Int32) {
        let start = used
        let fitted: Int? = s.utf8.withContiguousStorageIfAvailable { bytes in
            guard start + bytes.count <= Self.capacity else { return nil }
            if let p = bytes.baseAddress { (base + start).update(from: p, count: bytes.count) }
            return bytes.count
        } ?? nil
        if let n = fitted {
            used += n
            sqlite3_bind_text(statement, index, UnsafeRawPointer(base + start).assumingMemoryBound(to: CChar.self), Int32(n), nil)  // nil: SQLITE_STATIC
        } else {
            _ = RawStatement.bindText(statement, index, s)
        }
    }
}
