import FlowLog
import FlowStore
import GRDB

/// The roll-up in SQLite: sums of stored lines, and a batch's rows added to `conn_hour`.
extension Rollup {
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
