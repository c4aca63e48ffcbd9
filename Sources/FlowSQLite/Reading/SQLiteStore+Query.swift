import FlowLog
import FlowQuery
import FlowStore
import Foundation
import GRDB
import GRDBSQLite

/// Queries, in SQLite's dialect (``SQLiteDialect``).
extension SQLiteStore: FlowReader {
    public func countLines(_ p: Filter) throws -> Int64 {
        let predicate = SQLiteDialect.compile(p)
        return try read { db in
            try RawStatement(db, "SELECT count(*) FROM flow f WHERE \(predicate.sql)", predicate.bindings).firstInt() ?? 0
        }
    }

    public func timeBounds(_ p: Filter) throws -> (first: Int64, last: Int64)? {
        let predicate = SQLiteDialect.compile(p)
        return try read { db in
            let st = try RawStatement(db, "SELECT min(f.start_time), max(f.end_time) FROM flow f WHERE \(predicate.sql)", predicate.bindings)
            guard try st.step(), let first = st.int(0), let last = st.int(1) else { return nil }
            return (first, last)
        }
    }

    public func lineHistogram(_ p: Filter, from: Int64, interval: Int64) throws -> [Histogram.Bucket] {
        let predicate = SQLiteDialect.compile(p)
        return try read { db in
            let sql = "SELECT (f.start_time - ?) / ? AS b, count(*) FROM flow f WHERE \(predicate.sql) GROUP BY b ORDER BY b"
            var out: [Histogram.Bucket] = []
            try RawStatement(db, sql, [.int(from), .int(interval)] + predicate.bindings).forEachRow { row in
                if let b = row.int(0), let n = row.int(1) { out.append(.init(start: from + b * interval, lines: n)) }
            }
            return out
        }
    }

    public func records(_ p: Filter, sort: [(Field, Bool)], limit: Int?, afterID: Int64) throws -> [StoredRecord] {
        let predicate = SQLiteDialect.compile(p)
        if let limit, let first = sort.first, first.1, let column = TimeSpan.Column(expression: first.0.valueSQL) {
            return try newestFirst(predicate, column: column, sort: sort, limit: limit, afterID: afterID)
        }
        if sort.isEmpty, let limit, let ids = try firstIDs(p, predicate, limit: limit, afterID: afterID) {
            return try rows(
                "SELECT \(RecordColumns.lineSelectList) FROM \(RecordColumns.lineFrom) "
                    + "WHERE f.id IN (SELECT value FROM json_each(?)) ORDER BY f.id",
                [.text("[" + ids.map(String.init).joined(separator: ",") + "]")], mapped: Self.mapsRows(limit: limit))
        }
        return try plainRecords(predicate, sort: sort, limit: limit, afterID: afterID)
    }

    /// The first `limit` matching ids after `afterID`, in storage order, found without sorting every match where
    /// the predicate narrows the connections: connection by connection when few match, else by a bounded scan.
    /// `nil`: SQLite's own plan (``plainRecords(_:sort:limit:afterID:)``) is used.
    private func firstIDs(_ p: Filter, _ predicate: SQLFragment, limit: Int, afterID: Int64) throws -> [Int64]? {
        guard let split = p.connectionSplit else { return nil }
        // Compiled once for both readers: the connection-level conjuncts over `conn c`, the rest over `flow f`.
        let connections = SQLiteDialect.compileForConnections(split.connections)
        let lines = split.lines.map(SQLiteDialect.compile)
        if let ids = try firstIDsByConnection(connections, lines, limit: limit, afterID: afterID) { return ids }
        return try firstIDsByScan(connections, lines, predicate, limit: limit, afterID: afterID)
    }

    /// The most connections ``firstIDsByConnection(_:_:limit:afterID:)`` seeks one by one.
    static let seekedConnections = 256

    /// How many ids ``firstIDsByScan(_:_:_:limit:afterID:)`` reads in storage order before it leaves the rest to
    /// SQLite's plan.
    static let scannedIDs: Int64 = 1 << 16

    /// With many connections: the lines after `afterID` read in storage order over at most ``scannedIDs`` ids,
    /// each joined to its connection (a lookup by rowid) to test the connection-level conjuncts on its columns, and
    /// the other conjuncts on the line (enough when matches are common: where half the lines match, about 2,000
    /// lines are read for 1,000); then the rest through SQLite's own plan over the ids after that window (the
    /// index, and a sort of what matches there). Exact either way: the window's matches are all of its matches,
    /// and every later one has a larger id. The join is why a broad query is cheap: as `f.conn_id IN (SELECT …)`
    /// SQLite first built the set of every matching connection (high-cardinality store, 2M lines, 103,915
    /// connections, 1,000 rows of `action:allow`: 154 ms, most of it that set). `nil` when the limit is too large
    /// for the window to help.
    private func firstIDsByScan(
        _ connections: SQLFragment, _ lines: SQLFragment?, _ predicate: SQLFragment, limit: Int, afterID: Int64
    ) throws -> [Int64]? {
        guard Int64(limit) * 4 <= Self.scannedIDs else { return nil }
        return try read { db in
            let first = max(afterID, try RawStatement(db, "SELECT min(id) - 1 FROM flow").firstInt() ?? afterID)
            let end = first + Self.scannedIDs
            var ids: [Int64] = []
            // NOT INDEXED: through the rowids in order (SQLite would take `flow_conn` and sort); CROSS JOIN: the
            // lines outside, each connection looked up by its id.
            try RawStatement(
                db,
                "SELECT f.id FROM flow f NOT INDEXED CROSS JOIN conn c ON c.id = f.conn_id WHERE f.id > ? AND f.id <= ? AND "
                    + "(\(connections.sql))" + (lines.map { " AND \($0.sql)" } ?? "") + " ORDER BY f.id LIMIT ?",
                [.int(first), .int(end)] + connections.bindings + (lines?.bindings ?? []) + [.int(Int64(limit))]
            ).forEachRow { ids.append($0.int(0) ?? 0) }
            guard ids.count < limit else { return ids }
            try RawStatement(
                db, "SELECT f.id FROM flow f WHERE f.id > ? AND \(predicate.sql) ORDER BY f.id LIMIT ?",
                [.int(end)] + predicate.bindings + [.int(Int64(limit - ids.count))]
            ).forEachRow { ids.append($0.int(0) ?? 0) }
            return ids
        }
    }

    /// The first `limit` ids after `afterID` of the lines a split predicate matches, when its connection-level
    /// conjuncts leave at most ``seekedConnections`` connections: each connection's lines are read in id order from
    /// `flow_conn` and stop at the limit, or at the largest id kept so far once `limit` are kept, so the lines
    /// after the answer are neither read nor sorted (1M lines, the first 1,000 of one connection's 18,485: 30 ->
    /// 22 ms for the whole command; `action:allow`, 984,811 lines: 181 -> 25 ms). The other conjuncts (a time
    /// window, per-line fields) are tested on each connection's lines as they are read. `nil` when more
    /// connections match.
    private func firstIDsByConnection(
        _ matching: SQLFragment, _ lines: SQLFragment?, limit: Int, afterID: Int64
    ) throws -> [Int64]? {
        try read { db in
            var connections: [Int64] = []
            try RawStatement(db, "SELECT c.id FROM conn c WHERE \(matching.sql) LIMIT \(Self.seekedConnections + 1)", matching.bindings)
                .forEachRow { connections.append($0.int(0) ?? 0) }
            guard connections.count <= Self.seekedConnections else { return nil }
            // `+f.id`: the lower bound is tested, not sought, so that the id range of a time condition among the
            // other conjuncts (``TimeSpan``) is the one the index is sought with. The upper bound ends the reading.
            let sql = "SELECT f.id FROM flow f WHERE f.conn_id = ? AND +f.id > ?"
                + (lines.map { " AND \($0.sql)" } ?? "") + " ORDER BY f.id LIMIT ?"
            var ids: [Int64] = []
            for connection in connections {
                let below = ids.count == limit ? ids[limit - 1] : .max
                let kept = ids.count
                try RawStatement(db, sql, [.int(connection), .int(afterID)] + (lines?.bindings ?? []) + [.int(Int64(limit))])
                    .eachRow(while: { row in
                        let id = row.int(0) ?? 0
                        guard id < below else { return false }
                        ids.append(id)
                        return true
                    })
                guard ids.count > kept else { continue }
                ids.sort()
                if ids.count > limit { ids.removeLast(ids.count - limit) }
            }
            return ids
        }
    }

    public func explain(_ p: Filter) -> QueryPlan { Self.plan(p) }

    /// The query of the lines a predicate matches.
    static func plan(_ p: Filter) -> QueryPlan {
        let f = SQLiteDialect.compile(p)
        return QueryPlan(
            backend: "sqlite", sql: "SELECT \(RecordColumns.selectList)\nFROM flow f ... WHERE \(f.sql)",
            bindings: f.bindings.map(\.description))
    }

    /// The newest `limit` lines by a time column, which has no index: the spans give the time `t` above which the
    /// newest 4, 16, 64… batches lie; the same query with `column >= t` (a range of ids through the spans) is
    /// exact as soon as it returns `limit` lines, since every line it leaves out is older than all it returns.
    /// Falls back to the plain query when the spans run out (also the case where lines without a time count).
    private func newestFirst(
        _ predicate: SQLFragment, column: TimeSpan.Column, sort: [(Field, Bool)], limit: Int, afterID: Int64
    ) throws -> [StoredRecord] {
        let bound = "max_" + column.spanSuffix
        let spanCount = try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM flow_span") ?? 0 }
        var take = 4
        while limit > 0 && take < spanCount {
            let t = try read { db in
                try Int64.fetchOne(
                    db, sql: "SELECT \(bound) FROM flow_span WHERE \(bound) IS NOT NULL ORDER BY \(bound) DESC LIMIT 1 OFFSET ?",
                    arguments: [take - 1])
            }
            guard let t else { break }
            let rows = try plainRecords(TimeSpan.condition(column, ">=", t).and(predicate), sort: sort, limit: limit, afterID: afterID)
            if rows.count == limit { return rows }
            take *= 4
        }
        return try plainRecords(predicate, sort: sort, limit: limit, afterID: afterID)
    }

    /// The memory map of limited row reads (its size bounds the map, not the memory it uses).
    static let rowReadMap = 1 << 30

    /// Late materialization: the matching ids are found, sorted and cut to `limit` first (through the indexes, with
    /// only the id and the sort keys in any sorter), and only those rows are read with their dictionaries joined
    /// back. A `--limit 1000` query costs about what its count costs, not a sort of every matching row.
    private func plainRecords(
        _ predicate: SQLFragment, sort: [(Field, Bool)], limit: Int?, afterID: Int64
    ) throws -> [StoredRecord] {
        let order = sort.isEmpty
            ? " ORDER BY f.id"
            : " ORDER BY " + sort.map { "\($0.0.valueSQL) \($0.1 ? "DESC" : "ASC")" }.joined(separator: ", ") + ", f.id"
        // The lines' own columns; their connections' are read after, once per connection (``RecordColumns``).
        let lineFrom = sort.isEmpty ? RecordColumns.lineFrom : ReadJoins.readFrom
        var sql: String
        if let limit {
            // The sort keys may need the dictionary joins; a plain id order needs none.
            let from = sort.isEmpty ? "flow f" : ReadJoins.readFrom
            let ids = "SELECT f.id FROM \(from) WHERE f.id > ? AND \(predicate.sql)\(order) LIMIT \(limit)"
            sql = "SELECT \(RecordColumns.lineSelectList) FROM \(lineFrom) WHERE f.id IN (\(ids))\(order)"
        } else {
            sql = "SELECT \(RecordColumns.lineSelectList) FROM \(lineFrom) WHERE f.id > ? AND \(predicate.sql)\(order)"
        }
        return try rows(sql, [.int(afterID)] + predicate.bindings, mapped: Self.mapsRows(limit: limit))
    }

    /// Whether a read of at most `limit` rows goes through the memory map: a page of rows, most on a page of their
    /// own, is read through it rather than by a read(2) per page (1,000 rows: 7.3 -> 5.0 ms). The resident set grows
    /// by those pages at most; larger reads keep read(2).
    static func mapsRows(limit: Int?) -> Bool { (limit ?? .max) <= 100_000 }

    /// The records of the rows of a query selecting ``RecordColumns/lineSelectList``, their connections' columns
    /// read once per connection; through a memory map when `mapped`.
    private func rows(_ sql: String, _ bindings: [SQLValue], mapped: Bool) throws -> [StoredRecord] {
        try read { db in
            if mapped { try db.execute(sql: "PRAGMA mmap_size = \(Self.rowReadMap)") }
            defer { if mapped { try? db.execute(sql: "PRAGMA mmap_size = 0") } }
            var lines: [RecordColumns.LinePart] = []
            try RawStatement(db, sql, bindings).forEachRow { lines.append(RecordColumns.line(text: $0.text, int: $0.int)) }
            var connections: [Int64: FlowRecord] = [:]
            for list in RecordColumns.connectionIDLists(of: lines) {
                let sql = "SELECT \(RecordColumns.connectionSelectList) FROM \(ReadJoins.connectionsFrom) WHERE c.id IN (\(list))"
                try RawStatement(db, sql).forEachRow { row in
                    let c = RecordColumns.connection(text: row.text, int: row.int)
                    connections[c.id] = c.record
                }
            }
            return RecordColumns.records(lines, connections: connections)
        }
    }

    public func countOverConnections(_ p: Filter) throws -> Int64 {
        let predicate = SQLiteDialect.compileForConnections(p)
        return try read { db in
            try RawStatement(
                db, "SELECT coalesce(sum(ch.lines), 0) FROM conn c JOIN conn_hour ch ON ch.conn_id = c.id WHERE \(predicate.sql)",
                predicate.bindings
            ).firstInt() ?? 0
        }
    }

    public func hourlyHistogram(_ p: Filter, buckets: Int64) throws -> Histogram? {
        let predicate = SQLiteDialect.compileForConnections(p)
        return try read { db in
            let bounds = try RawStatement(
                db, "SELECT min(ch.first), max(ch.last) FROM conn c JOIN conn_hour ch ON ch.conn_id = c.id WHERE \(predicate.sql)",
                predicate.bindings)
            guard try bounds.step(), let first = bounds.int(0), let last = bounds.int(1) else { return nil }
            let hours = max(1, ((last - first) / 3600 + buckets) / buckets)
            let from = first / 3600 / hours * hours
            let sql = """
                SELECT (ch.hour - ?) / ? AS b, sum(ch.lines) FROM conn c JOIN conn_hour ch ON ch.conn_id = c.id
                WHERE \(predicate.sql) GROUP BY b ORDER BY b
                """
            var out: [Histogram.Bucket] = []
            try RawStatement(db, sql, [.int(from), .int(hours)] + predicate.bindings).forEachRow { row in
                if let b = row.int(0), let n = row.int(1) { out.append(.init(start: (from + b * hours) * 3600, lines: n)) }
            }
            return Histogram(from: from * 3600, to: last, interval: hours * 3600, buckets: out)
        }
    }

    public func groupOverConnections(_ p: Filter, by fields: [Field], limit: Int?) throws -> [GroupRow] {
        try groups(
            from: "\(ReadJoins.connectionsFrom) JOIN conn_hour ch ON ch.conn_id = c.id", SQLiteDialect.compileForConnections(p),
            by: fields, sums: "sum(ch.lines), sum(ch.flows), sum(ch.bytes), sum(ch.packets)", limit: limit)
    }

    public func groupLines(_ p: Filter, by fields: [Field], limit: Int?) throws -> [GroupRow] {
        try groups(
            from: ReadJoins.readFrom, SQLiteDialect.compile(p), by: fields,
            sums: "count(*), sum(COALESCE(f.num_flows, 1)), sum(COALESCE(f.bytes_in,0) + COALESCE(f.bytes_out,0)), "
                + "sum(COALESCE(f.packets_in,0) + COALESCE(f.packets_out,0))", limit: limit)
    }

    /// Groups of `from` by the fields' values, with four sums (lines, flows, bytes, packets), largest first.
    private func groups(from: String, _ predicate: SQLFragment, by fields: [Field], sums: String, limit: Int?) throws -> [GroupRow] {
        let keys = fields.map(\.valueSQL)
        var sql = "SELECT " + keys.joined(separator: ", ") + ", \(sums) FROM \(from) WHERE \(predicate.sql)"
            + " GROUP BY " + (1...keys.count).map(String.init).joined(separator: ", ")
            + " ORDER BY \(keys.count + 1) DESC, " + (1...keys.count).map(String.init).joined(separator: ", ")
        if let limit { sql += " LIMIT \(limit)" }
        return try read { db in
            var out: [GroupRow] = []
            try RawStatement(db, sql, predicate.bindings).forEachRow { row in
                let n = Int32(keys.count)
                out.append(
                    GroupRow(
                        keys: (0..<n).map { Self.text(row.value($0)) }, lines: row.int(n) ?? 0, flows: row.int(n + 1) ?? 0,
                        bytes: row.int(n + 2) ?? 0, packets: row.int(n + 3) ?? 0))
            }
            return out
        }
    }

    /// The rows of a read query as values, texts whole (NULs included, which GRDB's `Row` would cut).
    public func values(_ sql: String, _ arguments: [SQLValue] = []) throws -> [[SQLValue]] {
        try read { db in
            var out: [[SQLValue]] = []
            try RawStatement(db, sql, arguments).forEachRow { row in
                out.append((0..<sqlite3_column_count(row.handle)).map(row.value))
            }
            return out
        }
    }

    /// The largest flow id (for `--follow`).
    public func maxID() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM flow") ?? 0 }
    }

    /// SQLite's `PRAGMA data_version`: it changes when another connection (this process's or another's) commits.
    public func dataVersion() throws -> String {
        try read { db in String(try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0) }
    }

    static func text(_ v: SQLValue) -> String? {
        switch v {
        case .null: return nil
        case .int(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s): return s
        case .blob: return v.description
        }
    }
}
