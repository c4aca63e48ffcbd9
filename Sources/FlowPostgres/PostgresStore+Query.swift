import FlowLog
import FlowQuery
import FlowStore
import Foundation
import PostgresNIO

/// Queries, in PostgreSQL's dialect (``PostgresDialect``).
extension PostgresStore: FlowReader {
    /// The FROM clause of record reads (the same joins and aliases as every backend's, see ``RecordColumns``).
    static let readFrom = "flow f " + readJoins

    /// What a line is joined with to read it whole.
    static let readJoins = """
        JOIN conn c ON c.id = f.conn_id
        LEFT JOIN host h ON h.id = c.host_id
        LEFT JOIN endpoint se ON se.id = c.src_ep LEFT JOIN label_set sl ON sl.id = se.labels_id
        LEFT JOIN endpoint de ON de.id = c.dst_ep LEFT JOIN label_set dl ON dl.id = de.labels_id
        LEFT JOIN service sv ON sv.id = c.service_id LEFT JOIN policy_trace pt ON pt.id = c.trace_id
        LEFT JOIN string_list dd ON dd.id = f.domains_id LEFT JOIN string_list pa ON pa.id = f.process_args_id
        """

    static let connectionsFrom = """
        conn c LEFT JOIN host h ON h.id = c.host_id
        LEFT JOIN endpoint se ON se.id = c.src_ep LEFT JOIN label_set sl ON sl.id = se.labels_id
        LEFT JOIN endpoint de ON de.id = c.dst_ep LEFT JOIN label_set dl ON dl.id = de.labels_id
        LEFT JOIN service sv ON sv.id = c.service_id LEFT JOIN policy_trace pt ON pt.id = c.trace_id
        """

    /// A select list of ``RecordColumns`` with the JSON columns read as text.
    static func textual(_ list: String) -> String {
        let json: Set<String> = ["f.nat_outgoing_ports", "dd.items", "pa.items", "f.original_source_ips", "sl.labels", "dl.labels", "pt.policies"]
        return list.split(separator: ",").map { c in
            let name = c.trimmingCharacters(in: .whitespaces)
            return json.contains(name) ? "\(name)::text" : name
        }.joined(separator: ", ")
    }

    /// The select lists of a line's own columns and of a connection's (see ``RecordColumns``).
    static let lineSelectList = textual(RecordColumns.lineSelectList)
    static let connectionSelectList = textual(RecordColumns.connectionSelectList)

    public func countLines(_ p: Filter) throws -> Int64 {
        let w = PostgresDialect.compile(p)
        return try session.query("SELECT count(*) FROM flow f WHERE \(w.sql)", w.bindings).first?.int(0) ?? 0
    }

    public func countOverConnections(_ p: Filter) throws -> Int64 {
        let w = PostgresDialect.compile(p, overConnections: true)
        return try session.query(
            "SELECT coalesce(sum(ch.lines), 0)::bigint FROM conn c JOIN conn_hour ch ON ch.conn_id = c.id WHERE \(w.sql)", w.bindings
        ).first?.int(0) ?? 0
    }

    public func timeBounds(_ p: Filter) throws -> (first: Int64, last: Int64)? {
        let w = PostgresDialect.compile(p)
        guard let row = try session.query("SELECT min(f.start_time), max(f.end_time) FROM flow f WHERE \(w.sql)", w.bindings).first,
            let first = row.int(0), let last = row.int(1)
        else { return nil }
        return (first, last)
    }

    public func lineHistogram(_ p: Filter, from: Int64, interval: Int64) throws -> [Histogram.Bucket] {
        let w = PostgresDialect.compile(p, first: 3)
        return try session.query(
            "SELECT (f.start_time - $1) / $2 AS b, count(*) FROM flow f WHERE \(w.sql) GROUP BY b ORDER BY b",
            [.int(from), .int(interval)] + w.bindings
        ).compactMap { row in
            guard let b = row.int(0), let n = row.int(1) else { return nil }
            return Histogram.Bucket(start: from + b * interval, lines: n)
        }
    }

    public func hourlyHistogram(_ p: Filter, buckets: Int64) throws -> Histogram? {
        let w = PostgresDialect.compile(p, overConnections: true)
        guard let row = try session.query(
            "SELECT min(ch.first), max(ch.last) FROM conn c JOIN conn_hour ch ON ch.conn_id = c.id WHERE \(w.sql)", w.bindings).first,
            let first = row.int(0), let last = row.int(1)
        else { return nil }
        let hours = max(1, ((last - first) / 3600 + buckets) / buckets)
        let from = first / 3600 / hours * hours
        let w3 = PostgresDialect.compile(p, overConnections: true, first: 3)
        let rows = try session.query(
            """
            SELECT (ch.hour - $1) / $2 AS b, sum(ch.lines)::bigint FROM conn c JOIN conn_hour ch ON ch.conn_id = c.id
            WHERE \(w3.sql) GROUP BY b ORDER BY b
            """, [.int(from), .int(hours)] + w3.bindings)
        let out = rows.compactMap { row -> Histogram.Bucket? in
            guard let b = row.int(0), let n = row.int(1) else { return nil }
            return Histogram.Bucket(start: (from + b * hours) * 3600, lines: n)
        }
        return Histogram(from: from * 3600, to: last, interval: hours * 3600, buckets: out)
    }

    public func records(_ p: Filter, sort: [(Field, Bool)], limit: Int?, afterID: Int64) throws -> [StoredRecord] {
        let order = sort.isEmpty ? " ORDER BY f.id" : " ORDER BY \(Self.orderTerms(sort)), f.id"
        let split = p.connectionSplit
        let connections = try split.flatMap { try matchingConnections($0.connections) }
        // The lines' own columns; their connections' are read after, once per connection (``RecordColumns``).
        let lines: [RecordColumns.LinePart]
        if let limit {
            // Late materialization: ids found, sorted and cut first; only those rows read, by id.
            let ids: [Int64]
            if sort.isEmpty, let split, let connections, connections.count <= Self.seekedConnections {
                ids = try firstIDs(of: connections, lines: split.lines, limit: limit, afterID: afterID)
            } else if Self.sortsByConnection(sort) {
                // Any number of connections: those of the connection-level conjuncts (all, without any), the rest
                // of the predicate tested on their lines.
                let lineLevel = split.map { $0.lines } ?? (p == .always ? nil : p)
                let selected = connections.map { PostgresFragment(sql: "c.id = ANY(\(Self.bigints($0)))", bindings: []) }
                    ?? PostgresDialect.compile(split?.connections ?? .always, overConnections: true)
                ids = try firstIDs(of: selected, sortedBy: sort, lines: lineLevel, limit: limit, afterID: afterID)
            } else {
                let w = try linePredicate(p, first: 2, connections: connections)
                let read = { (bound: String) in try self.sortedIDs(w, bound: bound, sort: sort, order: order, limit: limit, afterID: afterID) }
                if let (field, descending) = sort.first, descending, ["f.start_time", "f.end_time"].contains(Self.valueSQL(field)) {
                    ids = try newestIDs(by: Self.valueSQL(field), limit: limit, read)
                } else {
                    ids = try read("")
                }
            }
            lines = try self.lines(ids)
        } else {
            let w = try linePredicate(p, first: 2, connections: connections)
            lines = try session.query(
                "SELECT \(Self.lineSelectList) FROM \(Self.readFrom) WHERE f.id > $1 AND \(w.sql)\(order)", [.int(afterID)] + w.bindings
            ).map(Self.linePart)
        }
        var parts: [Int64: FlowRecord] = [:]
        for list in RecordColumns.connectionIDLists(of: lines) {
            for row in try session.query("SELECT \(Self.connectionSelectList) FROM \(Self.connectionsFrom) WHERE c.id IN (\(list))", []) {
                let cells = row.makeRandomAccess()
                let c = RecordColumns.connection(text: { cells.text(Int($0)) }, int: { cells.int(Int($0)) })
                parts[c.id] = c.record
            }
        }
        return RecordColumns.records(lines, connections: parts)
    }

    /// The first `limit` ids after `afterID` of the lines `w` (and `bound`, more SQL conditions) matches, in `order`
    /// (of `sort`), found by the planner.
    private func sortedIDs(
        _ w: PostgresFragment, bound: String, sort: [(Field, Bool)], order: String, limit: Int, afterID: Int64
    ) throws -> [Int64] {
        let lineLevel = sort.allSatisfy { (field, _) in
            switch field.storage {
            case .column, .timestamp: return true
            default: return false
            }
        }
        let from = lineLevel ? "flow f" : Self.readFrom
        return try session.query(
            "SELECT f.id FROM \(from) WHERE f.id > $1 AND \(w.sql)\(bound)\(order) LIMIT \(limit)", [.int(afterID)] + w.bindings
        ).compactMap { $0.int(0) }
    }

    /// The ids of a read sorted newest first by a time column (`f.start_time` or `f.end_time`): `read` with the
    /// lines at or after a cut-off `t`, the start of the newest hour `conn_hour` knows, then four times further
    /// back each round; exact as soon as a round gives `limit` ids (every line it leaves out is older than all it
    /// gives). The cut-off prunes the older day partitions, and `flow_time` (BRIN) the older block ranges of the
    /// rest: 1,000 rows of a namespace newest first on 1M lines, 163 ms sorting every match, 7 ms for the last hour.
    /// Then `read` runs without it (a query that matches nothing costs 1.2 times the read alone). The first and
    /// last hours come from `hour_bounds` (a few rows); bounds wider than the data cost rounds, never answers.
    private func newestIDs(by column: String, limit: Int, _ read: (String) throws -> [Int64]) throws -> [Int64] {
        if let bounds = try session.query("SELECT min(first), max(last) FROM hour_bounds").first,
            let first = bounds.int(0), let last = bounds.int(1)
        {
            let (oldest, newest) = (first * 3600, (last + 1) * 3600)
            // Rounds up to a quarter of the time range: past it the whole read costs little more than one.
            var window: Int64 = 3600
            while window * 4 <= newest - oldest {
                let ids = try read(" AND \(column) >= \(newest - window)")
                if ids.count == limit { return ids }
                window *= 4
            }
        }
        return try read("")
    }

    /// A `bigint[]` literal of these numbers (written into the statement: the planner then knows its length).
    static func bigints(_ values: some Sequence<Int64>) -> String {
        "'{" + values.map(String.init).joined(separator: ",") + "}'::bigint[]"
    }

    /// The terms of an ORDER BY for `sort` (texts byte by byte; NULL first ascending, last descending).
    static func orderTerms(_ sort: [(Field, Bool)]) -> String { orderTerms(sort.map { (sortSQL($0.0), $0.1) }) }

    /// The terms of an ORDER BY of these expressions, each descending or not (NULL first ascending, last descending).
    static func orderTerms(_ terms: [(String, Bool)]) -> String {
        terms.map { "\($0.0) \($0.1 ? "DESC NULLS LAST" : "ASC NULLS FIRST")" }.joined(separator: ", ")
    }

    /// A row selecting ``lineSelectList``.
    private static func linePart(_ row: PostgresRow) -> RecordColumns.LinePart {
        let cells = row.makeRandomAccess()
        return RecordColumns.line(text: { cells.text(Int($0)) }, int: { cells.int(Int($0)) })
    }

    /// The lines of these ids, in the ids' order, read as `f.id = ANY(…)`: a list whose length the planner knows.
    /// (Joined to the ids, as `ids JOIN flow f ON f.id = ids.id`, it guessed 10M rows from the join and merged the
    /// whole of `flow` in id order against them: 1.6 s for 1,000 rows on a 2M-line store.)
    private func lines(_ ids: [Int64]) throws -> [RecordColumns.LinePart] {
        let position = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var found = [RecordColumns.LinePart?](repeating: nil, count: ids.count)
        for start in stride(from: 0, to: ids.count, by: Self.idsPerStatement) {
            let list = Self.bigints(ids[start..<min(start + Self.idsPerStatement, ids.count)])
            for row in try session.query("SELECT \(Self.lineSelectList) FROM \(RecordColumns.lineFrom) WHERE f.id = ANY(\(list))") {
                let part = Self.linePart(row)
                if let i = position[part.id] { found[i] = part }
            }
        }
        return found.compactMap { $0 }
    }

    /// The most ids ``lines(_:)`` lists in one statement.
    static let idsPerStatement = 5_000

    /// The first `limit` ids after `afterID` of these connections' lines that `lines` (line-level conjuncts)
    /// matches, in id order: each connection's lines read from `flow_conn_id` (`conn_id, id`) in id order, at most
    /// `limit` of each, then cut. Read along the id index instead (every line, in id order, tested against the
    /// list), one namespace's 1,000 first lines of a 2M-line store with pod churn took 150-290 ms: most lines
    /// before them belong to other connections.
    private func firstIDs(of connections: [Int64], lines: Filter?, limit: Int, afterID: Int64) throws -> [Int64] {
        guard !connections.isEmpty else { return [] }
        let w = lines.map { PostgresDialect.compile($0, first: 2) }
        let sql = """
            SELECT x.id FROM unnest(\(Self.bigints(connections))) AS k(conn)
            CROSS JOIN LATERAL (SELECT f.id FROM flow f WHERE f.conn_id = k.conn AND f.id > $1\(w.map { " AND \($0.sql)" } ?? "")
                ORDER BY f.id LIMIT \(limit)) x
            ORDER BY x.id LIMIT \(limit)
            """
        return try session.query(sql, [.int(afterID)] + (w?.bindings ?? [])).compactMap { $0.int(0) }
    }

    /// Whether every sort key is a scalar of the line's connection (its own columns, its endpoints', service's, host).
    static func sortsByConnection(_ sort: [(Field, Bool)]) -> Bool {
        !sort.isEmpty && sort.allSatisfy { (field, _) in
            switch field.storage {
            case .conn, .endpoint, .service, .host: return !field.type.isMultiValued
            default: return false
            }
        }
    }

    /// The first `limit` ids after `afterID`, in `sort`'s order then id order, of the lines that `lines` (line-level
    /// conjuncts) matches of the connections `connections` (a condition over `conn c`, placeholders from `$1`)
    /// selects, when every sort key belongs to the connection: the connections are ordered by their keys and cut into
    /// groups of equal keys, and the groups are read in order, each group's lines merged by id, until `limit` are
    /// found. Which groups a round reads is chosen in the database from their line counts in `conn_hour` (a running
    /// sum over the groups in order): exact without line-level conjuncts; when those leave fewer lines, the next
    /// round reads the groups after. Each connection gives at most the ids still wanted, through `flow_conn_id`.
    /// Sorting every matching line instead read all of them (10M lines, 187,668 matching, 1,000 rows sorted by
    /// `source_namespace`: 1.1 s); the groups chosen in Swift from every connection's row (the first form of this
    /// read) stopped at 5,000 connections.
    private func firstIDs(
        of connections: PostgresFragment, sortedBy sort: [(Field, Bool)], lines: Filter?, limit: Int, afterID: Int64
    ) throws -> [Int64] {
        guard limit > 0 else { return [] }
        // The groups (`g`): the keys as columns k0, k1…, their lines, their place in `sort`'s order, and the lines
        // of the groups up to theirs; then the connections of the groups a round reads.
        let order = Self.orderTerms(sort)
        let expressions = sort.map { Self.sortSQL($0.0) }
        let keys = expressions.enumerated().map { "\($0.element) AS k\($0.offset)" }.joined(separator: ", ")
        let sameKeys = expressions.enumerated().map { "\($0.element) IS NOT DISTINCT FROM g.k\($0.offset)" }.joined(separator: " AND ")
        let w = lines.map { PostgresDialect.compile($0, first: 2) }
        var ids: [Int64] = []
        // The last group read and the lines of the groups up to it.
        var (lastGroup, covered): (Int64, Int64) = (0, 0)
        while ids.count < limit {
            let wanted = limit - ids.count
            // The groups after the last one read that start before `wanted` more lines: their connections.
            let members = try session.query(
                """
                WITH g AS (
                    SELECT \(keys), COALESCE(sum(ch.lines), 0) AS size, row_number() OVER w AS grp,
                        sum(COALESCE(sum(ch.lines), 0)) OVER w AS through
                    FROM \(Self.connectionsFrom) LEFT JOIN conn_hour ch ON ch.conn_id = c.id
                    WHERE \(connections.sql) GROUP BY \(expressions.joined(separator: ", ")) WINDOW w AS (ORDER BY \(order)))
                SELECT c.id, g.grp, g.through::bigint FROM g JOIN (\(Self.connectionsFrom)) ON \(sameKeys)
                WHERE \(connections.sql) AND g.grp > \(lastGroup) AND g.through - g.size < \(covered + Int64(wanted))
                """, connections.bindings
            ).map { row in
                let cells = row.makeRandomAccess()
                return (id: cells.int(0) ?? 0, group: cells.int(1) ?? 0, through: cells.int(2) ?? 0)
            }
            guard let last = members.max(by: { $0.group < $1.group }) else { break }
            (lastGroup, covered) = (last.group, last.through)
            let sql = """
                SELECT x.id FROM unnest(\(Self.bigints(members.map(\.id))), \(Self.bigints(members.map(\.group)))) AS k(conn, grp)
                CROSS JOIN LATERAL (SELECT f.id FROM flow f WHERE f.conn_id = k.conn AND f.id > $1\(w.map { " AND \($0.sql)" } ?? "")
                    ORDER BY f.id LIMIT \(wanted)) x
                ORDER BY k.grp, x.id LIMIT \(wanted)
                """
            ids += try session.query(sql, [.int(afterID)] + (w?.bindings ?? [])).compactMap { $0.int(0) }
        }
        return ids
    }

    /// The connections a connection-level predicate matches, if at most ``connectionIDsAtMost``.
    private func matchingConnections(_ p: Filter) throws -> [Int64]? {
        let c = PostgresDialect.compile(p, overConnections: true)
        let ids = try session.query("SELECT c.id FROM conn c WHERE \(c.sql) LIMIT \(Self.connectionIDsAtMost + 1)", c.bindings)
            .compactMap { $0.int(0) }
        return ids.count <= Self.connectionIDsAtMost ? ids : nil
    }

    /// The predicate over `flow f` of `p`. Where its connection-level conjuncts leave at most
    /// ``connectionIDsAtMost`` connections (`connections`, from ``matchingConnections(_:)``), the lines are searched
    /// by their connection ids (`f.conn_id = ANY(…)`), which the planner can estimate (behind `f.conn_id IN (SELECT …
    /// FROM conn …)` it guessed most of `flow` and scanned all of it: 10 s for a sorted page at 10M lines); the
    /// other conjuncts are tested on the lines.
    func linePredicate(_ p: Filter, first: Int, connections: [Int64]?) throws -> PostgresFragment {
        guard let split = p.connectionSplit, let connections else { return PostgresDialect.compile(p, first: first) }
        if connections.isEmpty { return PostgresFragment(sql: "FALSE", bindings: []) }
        let lines = split.lines.map { PostgresDialect.compile($0, first: first) }
        return PostgresFragment(
            sql: "f.conn_id = ANY(\(Self.bigints(connections)))" + (lines.map { " AND \($0.sql)" } ?? ""),
            bindings: lines?.bindings ?? [])
    }

    /// More connections than this are searched through the subquery, not as a list of ids.
    static let connectionIDsAtMost = 5_000

    /// The most connections ``firstIDs(of:lines:limit:afterID:)`` reads one by one.
    static let seekedConnections = 256

    public func groupLines(_ p: Filter, by fields: [Field], limit: Int?) throws -> [GroupRow] {
        try groups(
            from: Self.readFrom, PostgresDialect.compile(p), by: fields,
            sums: "count(*), sum(COALESCE(f.num_flows, 1)), sum(COALESCE(f.bytes_in,0) + COALESCE(f.bytes_out,0)), "
                + "sum(COALESCE(f.packets_in,0) + COALESCE(f.packets_out,0))", limit: limit)
    }

    public func groupOverConnections(_ p: Filter, by fields: [Field], limit: Int?) throws -> [GroupRow] {
        try groups(
            from: "\(Self.connectionsFrom) JOIN conn_hour ch ON ch.conn_id = c.id", PostgresDialect.compile(p, overConnections: true),
            by: fields, sums: "sum(ch.lines), sum(ch.flows), sum(ch.bytes), sum(ch.packets)", limit: limit)
    }

    /// Groups by the fields' values (as text), with four sums, largest first; list values as flowq writes JSON.
    private func groups(from: String, _ w: PostgresFragment, by fields: [Field], sums: String, limit: Int?) throws -> [GroupRow] {
        let keys = fields.map { "(\(Self.valueSQL($0)))::text" }
        var sql = "SELECT " + keys.joined(separator: ", ") + ", \(sums) FROM \(from) WHERE \(w.sql)"
            + " GROUP BY " + (1...keys.count).map(String.init).joined(separator: ", ")
            + " ORDER BY \(keys.count + 1) DESC, " + keys.map { "\($0) COLLATE \"C\" NULLS FIRST" }.joined(separator: ", ")
        if let limit { sql += " LIMIT \(limit)" }
        return try session.query(sql, w.bindings).map { result in
            let row = result.makeRandomAccess()
            let n = keys.count
            let values: [String?] = (0..<n).map { i in
                guard let t = row.text(i) else { return nil }
                // jsonb prints `["a", "b"]`: the lists come out as flowq writes them, `["a","b"]`.
                if fields[i].type.isMultiValued, let items = StoredJSON.strings(t) {
                    return JSONText.array(items, numeric: fields[i].type.elementType == .number)
                }
                return t
            }
            return GroupRow(
                keys: values, lines: row.int(n) ?? 0, flows: row.int(n + 1) ?? 0, bytes: row.int(n + 2) ?? 0, packets: row.int(n + 3) ?? 0)
        }
    }

    public func maxID() throws -> Int64 {
        try session.query("SELECT coalesce(max(id), 0) FROM flow").first?.int(0) ?? 0
    }

    /// The sum of `store_version`: it grows with every commit that changes this database's lines or roll-up, and
    /// only then. (The server's snapshot, used before, moved with every transaction of every database on the
    /// server, so a write elsewhere emptied the answer cache.)
    public func dataVersion() throws -> String {
        try session.query("SELECT coalesce(sum(v), 0)::text FROM store_version").first?.text(0) ?? ""
    }

    public func explain(_ p: Filter) -> QueryPlan { Self.plan(p) }

    static func plan(_ p: Filter) -> QueryPlan {
        let w = PostgresDialect.compile(p)
        return QueryPlan(backend: "postgres", sql: "SELECT … FROM flow f … WHERE \(w.sql)", bindings: w.bindings.map(\.description))
    }

    public func interrupt() { session.interrupt() }

    /// A sort key: texts byte by byte, as SQLite compares them.
    static func sortSQL(_ f: Field) -> String {
        switch f.type {
        case .number, .date: return valueSQL(f)
        default: return "(\(valueSQL(f)))::text COLLATE \"C\""
        }
    }

    /// A field's value in a read query (the read joins' aliases); lists as jsonb.
    static func valueSQL(_ f: Field) -> String {
        switch f.storage {
        case .column(let c): return "f.\(c)"
        case .conn(let c): return "c.\(c)"
        case .endpoint(let side, let c): return "\(side == .source ? "se" : "de").\(c)"
        case .service(let c): return "sv.\(c)"
        case .host: return "h.name"
        case .timestamp: return "COALESCE(f.timestamp_ms, f.end_time * 1000)"
        case .labels(let side): return "\(side == .source ? "sl" : "dl").labels"
        case .policies(let list): return list == .all ? "pt.all_view" : "(pt.policies -> '\(list.rawValue)')"
        case .stringList(let c): return c == "domains_id" ? "dd.items" : "pa.items"
        case .jsonColumn(let c): return "f.\(c)"
        case .extra(let key): return "(f.extra::jsonb -> '\(key)')"
        }
    }
}
