import FlowLog

/// The hourly roll-up of a batch: summed in memory, then added to `conn_hour` in the batch's transaction (by each
/// backend). One row per connection, hour, network addresses and loopback flag.
public struct Rollup {
    public init() {}

    public struct Key: Hashable, Sendable {
        public var conn: Int64
        public var hour: Int64
        public var srcNet: String
        public var dstNet: String
        public var loopback: Bool
    }

    public struct Value: Sendable {
        public var lines: Int64 = 0
        public var flows: Int64 = 0
        public var bytes: Int64 = 0
        public var packets: Int64 = 0
        public var first = Int64.max
        public var last = Int64.min
        public var srcMin: String?
        public var srcMax: String?
        public var dstMin: String?
        public var dstMax: String?

        mutating func add(_ record: UnsafePointer<FlowRecord>, start: Int64) {
            lines += 1
            flows += record.pointee[.numFlows] ?? 1
            bytes += (record.pointee[.bytesIn] ?? 0) + (record.pointee[.bytesOut] ?? 0)
            packets += (record.pointee[.packetsIn] ?? 0) + (record.pointee[.packetsOut] ?? 0)
            first = min(first, start)
            last = max(last, record.pointee[.endTime] ?? start)
            if let ip = record.pointee[.sourceIP] {
                if srcMin.map({ ip < $0 }) ?? true { srcMin = ip }
                if srcMax.map({ ip > $0 }) ?? true { srcMax = ip }
            }
            if let ip = record.pointee[.destIP] {
                if dstMin.map({ ip < $0 }) ?? true { dstMin = ip }
                if dstMax.map({ ip > $0 }) ?? true { dstMax = ip }
            }
        }
    }

    /// The rows of the batch.
    public private(set) var rows: [Key: Value] = [:]
    /// A connection and a domain list its lines carried.
    public struct DomainKey: Hashable, Sendable {
        public var conn: Int64
        public var domains: Int64
    }

    /// The (connection, domains) pairs of the batch.
    public private(set) var domains: Set<DomainKey> = []

    /// Whether an address is a loopback one (127.0.0.0/8, ::1).
    public static func loopback(_ ip: String?) -> Bool {
        guard let ip else { return false }
        return ip.hasPrefix("127.") || ip == "::1"
    }

    /// Adds a line of connection `conn` (and its domain list). The line is read in place: a record passed by value
    /// to another module is copied first (a retain and a release of each of its arrays and lists, which the decoding
    /// thread touches too: a cache line moved between the cores for each).
    public mutating func add(_ record: UnsafePointer<FlowRecord>, conn: Int64, domains domainsID: Int64?) {
        let start = record.pointee[.startTime] ?? 0
        let key = Key(
            conn: conn, hour: start >= 0 ? start / 3600 : (start - 3599) / 3600,
            srcNet: record.pointee[.sourceType] == "net" ? (record.pointee[.sourceIP] ?? "") : "",
            dstNet: record.pointee[.destType] == "net" ? (record.pointee[.destIP] ?? "") : "",
            loopback: Self.loopback(record.pointee[.sourceIP]) || Self.loopback(record.pointee[.destIP]))
        // Modified in place: one lookup, no copy of the value.
        rows[key, default: Value()].add(record, start: start)
        if let domainsID { domains.insert(DomainKey(conn: conn, domains: domainsID)) }
    }

    /// The roll-up key and sums of the lines of `flow f` that `condition` selects, in SQL both backends run: the same
    /// key and sums as ``add(_:conn:domains:)`` computes (a migration fills a new sum with it; retention subtracts
    /// what it deletes).
    public static func sumsOfLines(where condition: String) -> String {
        """
        SELECT f.conn_id AS conn_id,
            CASE WHEN coalesce(f.start_time, 0) >= 0 THEN coalesce(f.start_time, 0) / 3600 ELSE (f.start_time - 3599) / 3600 END AS hour,
            CASE WHEN se.type = 'net' THEN coalesce(f.source_ip, '') ELSE '' END AS src_net,
            CASE WHEN de.type = 'net' THEN coalesce(f.dest_ip, '') ELSE '' END AS dst_net,
            CASE WHEN substr(coalesce(f.source_ip, ''), 1, 4) = '127.' OR coalesce(f.source_ip, '') = '::1'
                OR substr(coalesce(f.dest_ip, ''), 1, 4) = '127.' OR coalesce(f.dest_ip, '') = '::1' THEN 1 ELSE 0 END AS lb,
            count(*) AS lines, sum(coalesce(f.num_flows, 1)) AS flows,
            sum(coalesce(f.bytes_in, 0) + coalesce(f.bytes_out, 0)) AS bytes,
            sum(coalesce(f.packets_in, 0) + coalesce(f.packets_out, 0)) AS packets
        FROM flow f JOIN conn c ON c.id = f.conn_id
            LEFT JOIN endpoint se ON se.id = c.src_ep LEFT JOIN endpoint de ON de.id = c.dst_ep
        WHERE \(condition)
        GROUP BY 1, 2, 3, 4, 5
        """
    }

    /// The join of ``sumsOfLines(where:)`` (as `d`) to the roll-up rows (as `ch`) they belong to.
    public static let sameKey =
        "ch.conn_id = d.conn_id AND ch.hour = d.hour AND ch.src_net_ip = d.src_net AND ch.dst_net_ip = d.dst_net AND ch.loopback = d.lb"
}
