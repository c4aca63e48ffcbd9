import FlowLog
import GRDB

/// Migration "v4": a store written before the canonical order (``CanonicalOrder``) kept one row per order in which
/// Felix happened to write a set: a trace, a label set or a domain list per permutation, and so a connection per
/// permutation. This rewrites every such row in canonical order, merges the duplicates and repoints what
/// referenced them, in dependency order: label sets → endpoints, traces, domain lists → connections → lines,
/// hourly roll-up and connection domains. Answers stay the same; the store just stops counting one connection
/// several times.
extension Schema {
    static func canonicalOrder(_ db: Database) throws {
        try db.execute(sql: "CREATE TEMP TABLE remap (old INTEGER PRIMARY KEY, new INTEGER NOT NULL)")
        defer { try? db.execute(sql: "DROP TABLE temp.remap") }

        // Label sets, then the endpoints that became equal.
        try mergeJSONLists(db, table: "label_set", column: "labels")
        try repoint(db, table: "endpoint", column: "labels_id")
        try db.execute(sql: "DELETE FROM remap")
        try mergeDuplicates(db, table: "endpoint", key: ["type", "namespace", "name_aggr", "labels_id"])
        try repoint(db, table: "conn", column: "src_ep")
        try repoint(db, table: "conn", column: "dst_ep")
        try db.execute(sql: "DELETE FROM endpoint WHERE id IN (SELECT old FROM remap)")
        try db.execute(sql: "DELETE FROM remap")

        try mergeTraces(db)
        try repoint(db, table: "conn", column: "trace_id")
        try db.execute(sql: "DELETE FROM remap")

        try mergeDomainLists(db)
        try repoint(db, table: "flow", column: "domains_id")
        try db.execute(
            sql: """
                CREATE TEMP TABLE cd AS SELECT DISTINCT conn_id, coalesce((SELECT new FROM remap WHERE old = domains_id), domains_id) AS domains_id
                    FROM conn_domains;
                DELETE FROM conn_domains;
                INSERT INTO conn_domains (conn_id, domains_id) SELECT conn_id, domains_id FROM cd;
                DROP TABLE temp.cd;
                DELETE FROM remap;
                """)

        // Connections that are now equal, and everything that points at them.
        try mergeDuplicates(
            db, table: "conn",
            key: ["host_id", "src_ep", "dst_ep", "dest_port", "proto", "service_id", "action", "reporter", "trace_id"])
        try repoint(db, table: "flow", column: "conn_id")
        try db.execute(
            sql: """
                CREATE TEMP TABLE ch AS
                    SELECT coalesce(m.new, h.conn_id) AS conn_id, hour, src_net_ip, dst_net_ip, loopback, sum(lines) AS lines,
                        sum(flows) AS flows, sum(bytes) AS bytes, min(first) AS first, max(last) AS last,
                        min(src_ip_min) AS src_ip_min, max(src_ip_max) AS src_ip_max,
                        min(dst_ip_min) AS dst_ip_min, max(dst_ip_max) AS dst_ip_max
                    FROM conn_hour h LEFT JOIN remap m ON m.old = h.conn_id
                    WHERE h.conn_id IN (SELECT old FROM remap) OR h.conn_id IN (SELECT new FROM remap)
                    GROUP BY 1, 2, 3, 4, 5;
                DELETE FROM conn_hour WHERE conn_id IN (SELECT old FROM remap) OR conn_id IN (SELECT new FROM remap);
                INSERT INTO conn_hour SELECT * FROM ch;
                DROP TABLE temp.ch;
                CREATE TEMP TABLE cd AS SELECT DISTINCT coalesce((SELECT new FROM remap WHERE old = conn_id), conn_id) AS conn_id, domains_id
                    FROM conn_domains;
                DELETE FROM conn_domains;
                INSERT INTO conn_domains (conn_id, domains_id) SELECT conn_id, domains_id FROM cd;
                DROP TABLE temp.cd;
                DELETE FROM conn WHERE id IN (SELECT old FROM remap);
                """)
    }

    /// `table.column = remap(table.column)` for every remapped id.
    private static func repoint(_ db: Database, table: String, column: String) throws {
        try db.execute(
            sql: """
                UPDATE \(table) SET \(column) = (SELECT new FROM remap WHERE old = \(table).\(column))
                WHERE \(column) IN (SELECT old FROM remap)
                """)
    }

    /// Fills `remap` with every row of `table` equal on `key` (NULLs equal) to a row with a smaller id.
    private static func mergeDuplicates(_ db: Database, table: String, key: [String]) throws {
        let match = key.map { "t.\($0) IS k.\($0)" }.joined(separator: " AND ")
        try db.execute(
            sql: """
                INSERT INTO remap (old, new)
                SELECT t.id, k.keep FROM \(table) t
                JOIN (SELECT min(id) AS keep, \(key.joined(separator: ", ")) FROM \(table) GROUP BY \(key.joined(separator: ", "))) k
                    ON \(match)
                WHERE t.id != k.keep
                """)
    }

    /// Rewrites a dictionary of JSON string arrays (sets) in canonical order: the first row of each set survives
    /// with the sorted text, the others go to `remap` and are deleted.
    private static func mergeJSONLists(_ db: Database, table: String, column: String) throws {
        let rewrite = try survivors(db, sql: "SELECT id, \(column) FROM \(table) ORDER BY id") { json in
            StoredJSON.strings(json).map { JSONText.array(CanonicalOrder.set($0), numeric: false) }
        }
        try db.execute(sql: "DELETE FROM \(table) WHERE id IN (SELECT old FROM remap)")
        for (id, text) in rewrite {
            try db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE id = ?", arguments: [text, id])
        }
    }

    /// Policy traces in index order, their hits renumbered; duplicates merged into the first.
    private static func mergeTraces(_ db: Database) throws {
        let rewrite = try survivors(db, sql: "SELECT id, policies FROM policy_trace ORDER BY id") { json in
            StoredJSON.policies(json).map { StoredJSON.text(of: $0.canonical) }
        }
        try db.execute(
            sql: """
                DELETE FROM policy_hit WHERE trace_id IN (SELECT old FROM remap);
                DELETE FROM policy_trace WHERE id IN (SELECT old FROM remap);
                """)
        for (id, text) in rewrite {
            guard let p = StoredJSON.policies(text) else { continue }
            try db.execute(
                sql: "UPDATE policy_trace SET policies = ?, all_view = ? WHERE id = ?",
                arguments: [text, JSONText.array(p.allView, numeric: false), id])
            try db.execute(sql: "DELETE FROM policy_hit WHERE trace_id = ?", arguments: [id])
            try Dictionaries.insertHits(p, traceID: id, db)
        }
    }

    /// Reads `(id, text)` rows in id order and groups them by their canonical text: the first row of each group
    /// survives (returned with its canonical text when that differs from its own), the others go to `remap`.
    private static func survivors(
        _ db: Database, sql: String, canonical: (String) -> String?
    ) throws -> [(Int64, String)] {
        var first: [String: Int64] = [:]
        var rewrite: [(Int64, String)] = []
        for row in try Row.fetchAll(db, sql: sql) {
            let id: Int64 = row[0]
            let text: String = row[1]
            guard let c = canonical(text) else { continue }
            if let keep = first[c] {
                try db.execute(sql: "INSERT INTO remap (old, new) VALUES (?, ?)", arguments: [id, keep])
            } else {
                first[c] = id
                if c != text { rewrite.append((id, c)) }
            }
        }
        return rewrite
    }

    /// The `string_list` rows used as `dest_domains`, in text order. A row also used as process arguments (an
    /// ordered list) keeps its order; its domain uses move to the sorted row.
    private static func mergeDomainLists(_ db: Database) throws {
        let used = try Int64.fetchSet(
            db, sql: "SELECT domains_id FROM flow WHERE domains_id IS NOT NULL UNION SELECT domains_id FROM conn_domains")
        let args = try Int64.fetchSet(db, sql: "SELECT DISTINCT process_args_id FROM flow WHERE process_args_id IS NOT NULL")
        var byText: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, items FROM string_list ORDER BY id") {
            byText[row[1]] = row[0]
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, items FROM string_list ORDER BY id") {
            let id: Int64 = row[0]
            let json: String = row[1]
            guard used.contains(id), let items = StoredJSON.strings(json) else { continue }
            let canonical = JSONText.array(CanonicalOrder.set(items), numeric: false)
            if canonical == json { continue }
            if let other = byText[canonical] {
                try db.execute(sql: "INSERT INTO remap (old, new) VALUES (?, ?)", arguments: [id, other])
            } else if !args.contains(id) {
                try db.execute(sql: "UPDATE string_list SET items = ? WHERE id = ?", arguments: [canonical, id])
                byText[json] = nil
                byText[canonical] = id
            } else {
                try db.execute(sql: "INSERT INTO string_list (items) VALUES (?)", arguments: [canonical])
                byText[canonical] = db.lastInsertedRowID
                try db.execute(sql: "INSERT INTO remap (old, new) VALUES (?, ?)", arguments: [id, db.lastInsertedRowID])
            }
        }
        // Rows no longer used by anything are left: string_list rows are never deleted (process arguments may
        // share them), and an unused row changes no answer.
    }
}
