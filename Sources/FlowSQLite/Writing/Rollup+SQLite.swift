import FlowLog
import FlowStore
import GRDB

/// The roll-up in SQLite: sums of stored lines, and a batch's rows added to `conn_hour`.
extension Rollup {

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
