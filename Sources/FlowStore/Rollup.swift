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

    func store(_ db: Database) throws {
        let upsert = try db.makeStatement(sql: """
            INSERT INTO conn_hour (conn_id, hour, src_net_ip, dst_net_ip, loopback, lines, flows, bytes, first, last,
                src_ip_min, src_ip_max, dst_ip_min, dst_ip_max)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT (conn_id, hour, src_net_ip, dst_net_ip, loopback) DO UPDATE SET
                lines = lines + excluded.lines, flows = flows + excluded.flows, bytes = bytes + excluded.bytes,
                first = min(first, excluded.first), last = max(last, excluded.last),
                src_ip_min = coalesce(min(src_ip_min, excluded.src_ip_min), src_ip_min, excluded.src_ip_min),
                src_ip_max = coalesce(max(src_ip_max, excluded.src_ip_max), src_ip_max, excluded.src_ip_max),
                dst_ip_min = coalesce(min(dst_ip_min, excluded.dst_ip_min), dst_ip_min, excluded.dst_ip_min),
                dst_ip_max = coalesce(max(dst_ip_max, excluded.dst_ip_max), dst_ip_max, excluded.dst_ip_max)
            """)
        for (k, v) in rows {
            try upsert.execute(arguments: [
                k.conn, k.hour, k.srcNet, k.dstNet, k.loopback, v.lines, v.flows, v.bytes, v.first, v.last, v.srcMin,
                v.srcMax, v.dstMin, v.dstMax,
            ])
        }
        let domain = try db.makeStatement(sql: "INSERT OR IGNORE INTO conn_domains (conn_id, domains_id) VALUES (?, ?)")
        for d in domains { try domain.execute(arguments: [d.conn, d.domains]) }
    }
}
