import FlowLog
import FlowQuery
import FlowStore
import Foundation
import PostgresNIO

/// Queries, in PostgreSQL's dialect (``PostgresCompiler``).
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
        let w = PostgresCompiler.compile(p)
        return try session.query("SELECT count(*) FROM flow f WHERE \(w.sql)", w.bindings).first?.int(0) ?? 0
    }

    public func countOverConnections(_ p: Filter) throws -> Int64 {
        let w = PostgresCompiler.compile(p, overConnections: true)
        return try session.query(
            "SELECT coalesce(sum(ch.lines), 0)::bigint FROM conn c JOIN conn_hour ch ON ch.conn_id = c.id WHERE \(w.sql)", w.bindings
        ).first?.int(0) ?? 0
    }

    public func timeBounds(_ p: Filter) throws -> (first: Int64, last: Int64)? {
        let w = PostgresCompiler.compile(p)
        guard let row = try session.query("SELECT min(f.start_time), max(f.end_time) FROM flow f WHERE \(w.sql)", w.bindings).first,
            let first = row.int(0), let last = row.int(1)
        else { return nil }
        return (first, last)
    }

    public func lineHistogram(_ p: Filter, from: Int64, interval: Int64) throws -> [Histogram.Bucket] {
        let w = PostgresCompiler.compile(p, first: 3)
        return try session.query(
            "SELECT (f.start_time - $1) / $2 AS b, count(*) FROM flow f WHERE \(w.sql) GROUP BY b ORDER BY b",
            [.int(from), .int(interval)] + w.bindings
        ).compactMap { row in
            guard let b = row.int(0), let n = row.int(1) else { return nil }
            return Histogram.Bucket(start: from + b * interval, lines: n)
        }
    }

    public func hourlyHistogram(_ p: Filter, buckets: Int64) throws -> Histogram? {
        let w = PostgresCompiler.compile(p, overConnections: true)
        guard let row = try session.query(
            "SELECT min(ch.first), max(ch.last) FROM conn c JOIN conn_hour ch ON ch.conn_id = c.id WHERE \(w.sql)", w.bindings).first,
            let first = row.int(0), let last = row.int(1)
        else { return nil }
        let hours = max(1, ((last - first) / 3600 + buckets) / buckets)
        let from = first / 3600 / hours * hours
        let w3 = PostgresCompiler.compile(p, overConnections: true, first: 3)
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
        let w = try linePredicate(p, first: 2)
        let order = sort.isEmpty
            ? " ORDER BY f.id"
            : " ORDER BY " + sort.map { "\(Self.sortSQL($0.0)) \($0.1 ? "DESC NULLS LAST" : "ASC NULLS FIRST")" }.joined(separator: ", ")
                + ", f.id"
        var sql: String
        if let limit {
            // Late materialization: ids found, sorted and cut first; only those rows read with their dictionaries,
            // each by its id (the join starts from the ids: as `f.id IN (…)` the planner read all of `flow` to hash
            // it, 5 s instead of 50 ms at 10M lines).
            let lineLevel = sort.allSatisfy { (field, _) in
                switch field.storage {
                case .column, .timestamp: return true
                default: return false
                }
            }
            let from = lineLevel ? "flow f" : Self.readFrom
            sql = """
                WITH ids AS MATERIALIZED (SELECT f.id FROM \(from) WHERE f.id > $1 AND \(w.sql)\(order) LIMIT \(limit))
                SELECT \(Self.lineSelectList) FROM ids JOIN flow f ON f.id = ids.id \(Self.readJoins)\(order)
                """
        } else {
            sql = "SELECT \(Self.lineSelectList) FROM \(Self.readFrom) WHERE f.id > $1 AND \(w.sql)\(order)"
        }
        // The lines' own columns; their connections' are read after, once per connection (``RecordColumns``).
        let lines = try session.query(sql, [.int(afterID)] + w.bindings).map { row in
            let cells = row.makeRandomAccess()
            return RecordColumns.line(text: { cells.text(Int($0)) }, int: { cells.int(Int($0)) })
        }
        var connections: [Int64: FlowRecord] = [:]
        for list in RecordColumns.connectionIDLists(of: lines) {
            for row in try session.query("SELECT \(Self.connectionSelectList) FROM \(Self.connectionsFrom) WHERE c.id IN (\(list))", []) {
                let cells = row.makeRandomAccess()
                let c = RecordColumns.connection(text: { cells.text(Int($0)) }, int: { cells.int(Int($0)) })
                connections[c.id] = c.record
            }
        }
        return RecordColumns.records(lines, connections: connections)
    }

    /// The predicate over `flow f` of `p`. A predicate on connection-level fields only is answered from the
    /// connections first: the lines are then searched by their connection ids (`f.conn_id = ANY(…)`), which the
    /// planner can estimate (behind `f.conn_id IN (SELECT … FROM conn …)` it guessed most of `flow` and scanned all
    /// of it: 10 s for a sorted page at 10M lines).
    func linePredicate(_ p: Filter, first: Int) throws -> PostgresFragment {
        // Without a test (no query, or one that matches nothing) there is nothing to look up.
        guard p.isConnectionLevel, p != .always, p != .never else { return PostgresCompiler.compile(p, first: first) }
        let c = PostgresCompiler.compile(p, overConnections: true)
        let ids = try session.query("SELECT c.id FROM conn c WHERE \(c.sql) LIMIT \(Self.connectionIDsAtMost + 1)", c.bindings)
            .compactMap { $0.int(0) }
        guard ids.count <= Self.connectionIDsAtMost else { return PostgresCompiler.compile(p, first: first) }
        if ids.isEmpty { return PostgresFragment(sql: "FALSE", bindings: []) }
        return PostgresFragment(sql: "f.conn_id = ANY('{" + ids.map(String.init).joined(separator: ",") + "}'::bigint[])", bindings: [])
    }

    /// More connections than this are searched through the subquery, not as a list of ids.
    static let connectionIDsAtMost = 5_000

    public func groupLines(_ p: Filter, by fields: [Field], limit: Int?) throws -> [GroupRow] {
        try groups(
            from: Self.readFrom, PostgresCompiler.compile(p), by: fields,
            sums: "count(*), sum(COALESCE(f.num_flows, 1)), sum(COALESCE(f.bytes_in,0) + COALESCE(f.bytes_out,0)), "
                + "sum(COALESCE(f.packets_in,0) + COALESCE(f.packets_out,0))", limit: limit)
    }

    public func groupOverConnections(_ p: Filter, by fields: [Field], limit: Int?) throws -> [GroupRow] {
        try groups(
            from: "\(Self.connectionsFrom) JOIN conn_hour ch ON ch.conn_id = c.id", PostgresCompiler.compile(p, overConnections: true),
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
        let w = PostgresCompiler.compile(p)
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
