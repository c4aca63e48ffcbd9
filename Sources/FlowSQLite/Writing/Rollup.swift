import FlowLog
import GRDB

/// The hourly roll-up of a batch: summed in memory, then added to `conn_hour` in the batch's transaction.
struct Rollup {
    struct Key: Hashable {
        var conn: Int64
        var hour: Int64
        var srcNet: String
        var dstNet: String
        var loopback: Bool
    }

    struct Value {
        var lines: Int64 = 0
        var flows: Int64 = 0
        var bytes: Int64 = 0
        var packets: Int64 = 0
        var first = Int64.max
        var last = Int64.min
        var srcMin: String?
        var srcMax: String?
        var dstMin: String?
        var dstMax: String?

        mutating func add(_ r: FlowRecord, start: Int64) {
            lines += 1
            flows += r[.numFlows] ?? 1
            bytes += (r[.bytesIn] ?? 0) + (r[.bytesOut] ?? 0)
            packets += (r[.packetsIn] ?? 0) + (r[.packetsOut] ?? 0)
            first = min(first, start)
            last = max(last, r[.endTime] ?? start)
            if let ip = r[.sourceIP] {
                if srcMin.map({ ip < $0 }) ?? true { srcMin = ip }
                if srcMax.map({ ip > $0 }) ?? true { srcMax = ip }
            }
            if let ip = r[.destIP] {
                if dstMin.map({ ip < $0 }) ?? true { dstMin = ip }
                if dstMax.map({ ip > $0 }) ?? true { dstMax = ip }
            }
        }
    }

    private var rows: [Key: Value] = [:]
    private struct DomainKey: Hashable {
        var conn: Int64
        var domains: Int64
    }

    private var domains: Set<DomainKey> = []

    static func loopback(_ ip: String?) -> Bool {
        guard let ip else { return false }
        return ip.hasPrefix("127.") || ip == "::1"
    }

    mutating func add(_ r: FlowRecord, conn: Int64, domains domainsID: Int64?) {
        let start = r[.startTime] ?? 0
        let key = Key(
            conn: conn, hour: start >= 0 ? start / 3600 : (start - 3599) / 3600,
            srcNet: r[.sourceType] == "net" ? (r[.sourceIP] ?? "") : "",
            dstNet: r[.destType] == "net" ? (r[.destIP] ?? "") : "",
            loopback: Self.loopback(r[.sourceIP]) || Self.loopback(r[.destIP]))
        // Modified in place: one lookup, no copy of the value.
        rows[key, default: Value()].add(r, start: start)
        if let domainsID { domains.insert(DomainKey(conn: conn, domains: domainsID)) }
    }

    /// The roll-up key and sums of the lines of `flow f` that `condition` selects, in SQL: the same key and sums as
    /// ``add(_:conn:domains:)`` computes (a migration fills a new sum with it; retention subtracts what it deletes).
    static func sumsOfLines(where condition: String) -> String {
        """
        SELECT f.conn_id AS conn_id,
            CASE WHEN coalesce(f.start_time, 0) >= 0 THEN coalesce(f.start_time, 0) / 3600 ELSE (f.start_time - 3599) / 3600 END AS hour,
            CASE WHEN se.type = 'net' THEN coalesce(f.source_ip, '') ELSE '' END AS src_net,
            CASE WHEN de.type = 'net' THEN coalesce(f.dest_ip, '') ELSE '' END AS dst_net,
            (substr(coalesce(f.source_ip, ''), 1, 4) = '127.' OR f.source_ip IS '::1'
                OR substr(coalesce(f.dest_ip, ''), 1, 4) = '127.' OR f.dest_ip IS '::1') AS lb,
            count(*) AS lines, sum(coalesce(f.num_flows, 1)) AS flows,
            sum(coalesce(f.bytes_in, 0) + coalesce(f.bytes_out, 0)) AS bytes,
            sum(coalesce(f.packets_in, 0) + coalesce(f.packets_out, 0)) AS packets
        FROM flow f JOIN conn c ON c.id = f.conn_id
            LEFT JOIN endpoint se ON se.id = c.src_ep LEFT JOIN endpoint de ON de.id = c.dst_ep
        WHERE \(condition)
        GROUP BY 1, 2, 3, 4, 5
        """
    }

    /// The join of ``sumsOfLines(where:)`` (as `d`) to the roll-up rows they belong to.
    static let sameKey = "ch.conn_id = d.conn_id AND ch.hour = d.hour AND ch.src_net_ip = d.src_net AND ch.dst_net_ip = d.dst_net AND ch.loopback = d.lb"

    func store(_ db: Database) throws {
        let upsert = try db.makeStatement(sql: """
            INSERT INTO conn_hour (conn_id, hour, src_net_ip, dst_net_ip, loopback, lines, flows, bytes, first, last,
                src_ip_min, src_ip_max, dst_ip_min, dst_ip_max, packets)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT (conn_id, hour, src_net_ip, dst_net_ip, loopback) DO UPDATE SET
                lines = lines + excluded.lines, flows = flows + excluded.flows, bytes = bytes + excluded.bytes,
                packets = packets + excluded.packets,
                first = min(first, excluded.first), last = max(last, excluded.last),
                src_ip_min = coalesce(min(src_ip_min, excluded.src_ip_min), src_ip_min, excluded.src_ip_min),
                src_ip_max = coalesce(max(src_ip_max, excluded.src_ip_max), src_ip_max, excluded.src_ip_max),
                dst_ip_min = coalesce(min(dst_ip_min, excluded.dst_ip_min), dst_ip_min, excluded.dst_ip_min),
                dst_ip_max = coalesce(max(dst_ip_max, excluded.dst_ip_max), dst_ip_max, excluded.dst_ip_max)
            """)
        for (k, v) in rows {
            try upsert.execute(arguments: [
                k.conn, k.hour, k.srcNet, k.dstNet, k.loopback, v.lines, v.flows, v.bytes, v.first, v.last, v.srcMin,
                v.srcMax, v.dstMin, v.dstMax, v.packets,
            ])
        }
        let domain = try db.makeStatement(sql: "INSERT OR IGNORE INTO conn_domains (conn_id, domains_id) VALUES (?, ?)")
        for d in domains { try domain.execute(arguments: [d.conn, d.domains]) }
    }
}
