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

    /// Adds a line of connection `conn` (and its domain list).
    public mutating func add(_ r: FlowRecord, conn: Int64, domains domainsID: Int64?) {
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
}
