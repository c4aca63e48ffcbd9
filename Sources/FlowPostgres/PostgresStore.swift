import FlowLog
import FlowStore
import Foundation

/// The PostgreSQL backend: one store for a whole cluster, written by every node's collector at once and read by
/// every report.
///
/// Dictionary rows (hosts, endpoints, services, lists, traces, connections) are shared by every writer: each new
/// value is upserted on its own (`INSERT … ON CONFLICT DO NOTHING`, then read back), before the batch's
/// transaction, so that two writers never hold locks on them in opposite orders. A batch's lines go in with
/// `COPY … FROM STDIN` in one transaction with its roll-up rows (upserted in key order) and its checkpoint.
public final class PostgresStore: @unchecked Sendable {
    let session: PostgresSession
    /// The node this writer's checkpoints belong to: files of different nodes never share a checkpoint.
    let node: String
    var dictionaries = PostgresDictionaries()
    /// Day partitions known to exist.
    var partitions: Set<Int64> = []

    /// Opens (creating the schema if missing) the database at `location`.
    public init(_ location: PostgresLocation, node: String, migrate: Bool = true) throws {
        session = try PostgresSession(location)
        self.node = node
        if migrate { try self.migrate() }
    }

    /// Creates the schema, once, under an advisory lock (several collectors may start at once).
    private func migrate() throws {
        try session.query("SELECT pg_advisory_lock(7158236)")
        defer { _ = try? session.query("SELECT pg_advisory_unlock(7158236)") }
        let found = try session.query("SELECT to_regclass('flowq_schema') IS NOT NULL").first?.int(0) == 1
        let version = found ? try session.query("SELECT max(version) FROM flowq_schema").first?.int(0) : nil
        if let version, version > Int64(PostgresSchema.version) {
            throw StoreError(.schema, "the database was written by a newer flowq (schema \(version)); upgrade flowq")
        }
        if version == Int64(PostgresSchema.version) { return }
        try session.inTransaction {
            try session.script(PostgresSchema.ddl)
            try session.query("INSERT INTO flowq_schema (version) VALUES ($1)", [.int(Int64(PostgresSchema.version))])
        }
    }

    /// PostgreSQL text cannot hold NUL: such a character is stored as U+FFFD.
    static func clean(_ s: String) -> String {
        // memchr over the bytes where the string has them in one piece (always, for native strings): the generic
        // `utf8.contains` stepped index by index, 4% of a high-cardinality ingest's CPU.
        let hasNUL = s.utf8.withContiguousStorageIfAvailable { b in
            b.baseAddress.map { memchr($0, 0, b.count) != nil } ?? false
        } ?? s.utf8.contains(0)
        return hasNUL ? String(s.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : Character($0) }) : s
    }
}

extension PostgresStore: FlowWriter, RetentionStore {
    public func checkpoint(fingerprint: String) throws -> Checkpoint? {
        try session.query(
            """
            SELECT path, host, device, inode, "offset", lines, complete FROM source_file WHERE node = $1 AND fingerprint = $2
            """, [.text(node), .text(fingerprint)]
        ).first.map { row in
            Checkpoint(
                fingerprint: fingerprint, path: row.text(0) ?? "", host: row.text(1),
                device: row.int(2).map { UInt64(bitPattern: $0) }, inode: row.int(3).map { UInt64(bitPattern: $0) },
                offset: row.int(4) ?? 0, lines: row.int(5) ?? 0, complete: row.int(6) == 1)
        }
    }

    public func append(records: [FlowRecord], host: String?, overridingLines: Bool, rejects: Rejects, checkpoint: Checkpoint) throws {
        // 1. Dictionary ids, committed on their own (shared rows; see the type's documentation).
        let hostID = try host.map { try dictionaries.host($0, session) }
        var connIDs: [Int64] = []
        var domainIDs: [Int64?] = []
        var argsIDs: [Int64?] = []
        connIDs.reserveCapacity(records.count)
        var rollup = Rollup()
        try records.withUnsafeBufferPointer { buffer in
            try dictionaries.prefetch(buffer, hostID: hostID, overridingLines: overridingLines, session)
            for i in buffer.indices {
                let r = buffer.baseAddress! + i
                let conn = try dictionaries.conn(r, hostID: hostID, overridingLines: overridingLines, session)
                let domains = try r.pointee[.destDomains].map { try dictionaries.domains($0, session) }
                connIDs.append(conn)
                domainIDs.append(domains)
                argsIDs.append(try r.pointee[.processArgs].map { try dictionaries.list($0, session) })
                rollup.add(r, conn: conn, domains: domains)
            }
        }
        dictionaries.endBatch()
        try ensurePartitions(records)
        // 2. The lines, their roll-up and the checkpoint in one transaction.
        try session.inTransaction {
            if !records.isEmpty {
                try session.copy(table: "flow", columns: FlowLayout.names, data: FlowCopyText.rows(records, connIDs, domainIDs, argsIDs))
                try storeRollup(rollup)
                let hours = rollup.rows.keys.lazy.map(\.hour)
                if let first = hours.min(), let last = hours.max() { try session.query(PostgresSchema.widenHours, [.int(first), .int(last)]) }
            }
            try upsert(checkpoint)
            if !rejects.isEmpty { try insert(rejects, checkpoint.fingerprint) }
            try session.query(PostgresSchema.bumpVersion)
        }
    }

    private func ensurePartitions(_ records: [FlowRecord]) throws {
        var days = Set<Int64>()
        var last: Int64?
        for r in records {
            guard let s = r[.startTime] else { continue }
            let day = DateMathDays.day(s)
            if day != last, !partitions.contains(day) { days.insert(day) }
            last = day
        }
        for day in days.sorted() {
            do {
                try session.query(PostgresSchema.partitionDDL(day: day))
            } catch {
                // Another writer created it at the same moment: fine if it exists now.
                guard try session.query("SELECT to_regclass($1) IS NOT NULL", [.text("flow_d\(day)")]).first?.int(0) == 1 else { throw error }
            }
            partitions.insert(day)
        }
    }

    private func storeRollup(_ rollup: Rollup) throws {
        // Key order: concurrent writers lock shared roll-up rows in the same order, so they never deadlock.
        let rows = rollup.rows.sorted { a, b in
            (a.key.conn, a.key.hour, a.key.srcNet, a.key.dstNet, a.key.loopback ? 1 : 0)
                < (b.key.conn, b.key.hour, b.key.srcNet, b.key.dstNet, b.key.loopback ? 1 : 0)
        }
        for chunk in stride(from: 0, to: rows.count, by: 500) {
            let part = rows[chunk..<min(chunk + 500, rows.count)]
            var values: [PostgresValue] = []
            var tuples: [String] = []
            for (k, v) in part {
                let base = values.count
                values += [
                    .int(k.conn), .int(k.hour), .text(Self.clean(k.srcNet)), .text(Self.clean(k.dstNet)), .int(k.loopback ? 1 : 0),
                    .int(v.lines), .int(v.flows), .int(v.bytes), .int(v.packets), .int(v.first), .int(v.last),
                    v.srcMin.map { .text(Self.clean($0)) } ?? .null, v.srcMax.map { .text(Self.clean($0)) } ?? .null,
                    v.dstMin.map { .text(Self.clean($0)) } ?? .null, v.dstMax.map { .text(Self.clean($0)) } ?? .null,
                ]
                let casts = ["bigint", "bigint", "text", "text", "integer", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "text", "text", "text", "text"]
                tuples.append("(" + casts.enumerated().map { "$\(base + $0.offset + 1)::\($0.element)" }.joined(separator: ",") + ")")
            }
            try session.query(
                """
                INSERT INTO conn_hour (conn_id, hour, src_net_ip, dst_net_ip, loopback, lines, flows, bytes, packets, first, last,
                    src_ip_min, src_ip_max, dst_ip_min, dst_ip_max)
                VALUES \(tuples.joined(separator: ","))
                ON CONFLICT (conn_id, hour, src_net_ip, dst_net_ip, loopback) DO UPDATE SET
                    lines = conn_hour.lines + excluded.lines, flows = conn_hour.flows + excluded.flows,
                    bytes = conn_hour.bytes + excluded.bytes, packets = conn_hour.packets + excluded.packets,
                    first = least(conn_hour.first, excluded.first), last = greatest(conn_hour.last, excluded.last),
                    src_ip_min = least(conn_hour.src_ip_min COLLATE "C", excluded.src_ip_min),
                    src_ip_max = greatest(conn_hour.src_ip_max COLLATE "C", excluded.src_ip_max),
                    dst_ip_min = least(conn_hour.dst_ip_min COLLATE "C", excluded.dst_ip_min),
                    dst_ip_max = greatest(conn_hour.dst_ip_max COLLATE "C", excluded.dst_ip_max)
                """, values)
        }
        let domains = rollup.domains.sorted { ($0.conn, $0.domains) < ($1.conn, $1.domains) }
        for chunk in stride(from: 0, to: domains.count, by: 1000) {
            let part = domains[chunk..<min(chunk + 1000, domains.count)]
            var values: [PostgresValue] = []
            for d in part { values += [.int(d.conn), .int(d.domains)] }
            let tuples = (0..<part.count).map { "($\($0 * 2 + 1)::bigint, $\($0 * 2 + 2)::bigint)" }.joined(separator: ",")
            try session.query("INSERT INTO conn_domains (conn_id, domains_id) VALUES \(tuples) ON CONFLICT DO NOTHING", values)
        }
    }

    private func upsert(_ c: Checkpoint) throws {
        try session.query(
            """
            INSERT INTO source_file (node, fingerprint, path, host, device, inode, "offset", lines, complete, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::integer::boolean, $10)
            ON CONFLICT (node, fingerprint) DO UPDATE SET path = excluded.path, host = excluded.host,
                device = excluded.device, inode = excluded.inode, "offset" = excluded."offset", lines = excluded.lines,
                complete = excluded.complete, updated_at = excluded.updated_at
            """,
            [
                .text(node), .text(Self.clean(c.fingerprint)), .text(Self.clean(c.path)), c.host.map { .text(Self.clean($0)) } ?? .null,
                c.device.map { .int(Int64(bitPattern: $0)) } ?? .null, c.inode.map { .int(Int64(bitPattern: $0)) } ?? .null,
                .int(c.offset), .int(c.lines), .int(c.complete ? 1 : 0), .int(Int64(Date().timeIntervalSince1970)),
            ])
    }

    /// Counts every reject by reason; keeps rows while the file has fewer than ``Rejects/keptPerReason`` of it.
    private func insert(_ rejects: Rejects, _ fingerprint: String) throws {
        var room: [String: Int64] = [:]
        for (code, n) in rejects.counts.sorted(by: { $0.key < $1.key }) {
            let before = try session.query(
                "SELECT count FROM reject_count WHERE node = $1 AND fingerprint = $2 AND code = $3",
                [.text(node), .text(Self.clean(fingerprint)), .text(code)]
            ).first?.int(0) ?? 0
            room[code] = max(0, Int64(Rejects.keptPerReason) - before)
            try session.query(
                """
                INSERT INTO reject_count (node, fingerprint, code, count) VALUES ($1, $2, $3, $4)
                ON CONFLICT (node, fingerprint, code) DO UPDATE SET count = reject_count.count + excluded.count
                """, [.text(node), .text(Self.clean(fingerprint)), .text(code), .int(n)])
        }
        let now = Int64(Date().timeIntervalSince1970)
        for r in rejects.kept {
            guard let left = room[r.code], left > 0 else { continue }
            room[r.code] = left - 1
            try session.query(
                """
                INSERT INTO reject (node, fingerprint, path, line, "offset", code, reason, raw, raw_length, at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, decode($8, 'hex'), $9, $10)
                """,
                [
                    .text(node), .text(Self.clean(fingerprint)), .text(Self.clean(r.path)), .int(r.line), .int(r.offset),
                    .text(r.code), .text(Self.clean(r.reason)), .text(r.raw.map { String(format: "%02x", $0) }.joined()),
                    .int(Int64(r.rawLength)), .int(now),
                ])
        }
    }

    public func deleteFlows(startedBefore cutoff: Int64, limit: Int) throws -> Int {
        // Whole days go with their partition; the roll-up loses the same lines in the same transaction.
        let day = DateMathDays.day(cutoff)
        let old = try session.query(
            """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = 'flow' AND c.relname LIKE 'flow\\_d%' ORDER BY 1
            """
        ).compactMap { $0.text(0) }.filter { Int64($0.dropFirst(6)).map { $0 < day } ?? false }
        if let first = old.first, let d = Int64(first.dropFirst(6)) {
            let lines = try session.inTransaction {
                try session.query(
                    "DELETE FROM conn_hour WHERE hour >= $1 AND hour < $2", [.int(d * 24), .int((d + 1) * 24)])
                let n = try session.query("SELECT count(*) FROM \(first)").first?.int(0) ?? 0
                try session.query("DROP TABLE \(first)")
                try session.query(PostgresSchema.narrowHours)
                try session.query(PostgresSchema.bumpVersion)
                return n
            }
            partitions.remove(d)
            return Int(max(lines, 1))
        }
        // The day of the cutoff: lines before it, a chunk at a time, with their share of the roll-up.
        return try session.inTransaction {
            let doomed = """
                SELECT id FROM flow WHERE start_time >= \(day * 86_400) AND start_time < $1 ORDER BY id LIMIT $2
                """
            try session.query("CREATE TEMP TABLE IF NOT EXISTS doomed (id bigint PRIMARY KEY) ON COMMIT DELETE ROWS")
            try session.query("INSERT INTO doomed \(doomed)", [.int(cutoff), .int(Int64(limit))])
            try session.query(
                """
                UPDATE conn_hour ch SET lines = ch.lines - d.lines, flows = ch.flows - d.flows, bytes = ch.bytes - d.bytes,
                    packets = ch.packets - d.packets
                FROM (\(Rollup.sumsOfLines(where: "f.id IN (SELECT id FROM doomed)"))) d WHERE \(Rollup.sameKey)
                """)
            try session.query("DELETE FROM conn_hour WHERE lines <= 0")
            let n = try session.query("SELECT count(*) FROM doomed").first?.int(0) ?? 0
            try session.query("DELETE FROM flow WHERE start_time >= \(day * 86_400) AND id IN (SELECT id FROM doomed)")
            try session.query(PostgresSchema.narrowHours)
            try session.query(PostgresSchema.bumpVersion)
            return Int(n)
        }
    }

    public func deleteRollups(endedBefore cutoff: Int64) throws {
        try session.inTransaction {
            try session.query("DELETE FROM conn_hour WHERE hour < $1", [.int(cutoff / 3600)])
            try session.query(PostgresSchema.narrowHours)
            try session.query(PostgresSchema.bumpVersion)
        }
    }
}

/// Days since the epoch (floor), the unit of `flow`'s partitions.
enum DateMathDays {
    static func day(_ seconds: Int64) -> Int64 { seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400 }
}
