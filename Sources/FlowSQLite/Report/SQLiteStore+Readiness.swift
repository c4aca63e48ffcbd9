import FlowLog
import FlowQuery
import FlowStore

/// The readiness report's reads, in SQLite's dialect.
extension SQLiteStore: ReadinessSource {
    public func traces() throws -> [(id: Int64, policies: PolicyLists)] {
        try values("SELECT id, policies FROM policy_trace").compactMap { row in
            guard let id = row[0].int, let p = row[1].text.flatMap(StoredJSON.policies) else { return nil }
            return (id, p)
        }
    }

    public func connections() throws -> [Int64: ConnectionRow] {
        var out: [Int64: ConnectionRow] = [:]
        for row in try values("SELECT id, host_id, src_ep, dst_ep, dest_port, proto, service_id, action, reporter, trace_id FROM conn") {
            guard let id = row[0].int else { continue }
            out[id] = ConnectionRow(
                hostID: row[1].int, sourceEndpoint: row[2].int, destEndpoint: row[3].int, port: row[4].int, proto: row[5].text,
                serviceID: row[6].int, action: row[7].text, reporter: row[8].text, traceID: row[9].int)
        }
        return out
    }

    public func traceTotals(_ window: ReadWindow) throws -> [(traceID: Int64?, lines: Int64, staleDenyLines: Int64)] {
        let (time, args) = Self.hourFilter(window)
        return try values(
            """
            SELECT c.trace_id, sum(ch.lines), sum(CASE WHEN c.action = 'deny' AND ch.bytes = 0 AND ch.packets = 0 THEN ch.lines ELSE 0 END)
            FROM conn_hour ch JOIN conn c ON c.id = ch.conn_id WHERE \(time) GROUP BY c.trace_id
            """, args
        ).map { ($0[0].int, $0[1].int ?? 0, $0[2].int ?? 0) }
    }

    public func hourRows(of connections: [Int64], _ window: ReadWindow) throws -> [ConnectionHour] {
        guard !connections.isEmpty else { return [] }
        let (time, args) = Self.hourFilter(window)
        var domains: [Int64: [Int64]] = [:]
        for row in try values("SELECT conn_id, domains_id FROM conn_domains WHERE conn_id IN \(ReadinessSQL.idList(connections))") {
            if let c = row[0].int, let d = row[1].int { domains[c, default: []].append(d) }
        }
        let rows = try values(
            """
            SELECT ch.conn_id, ch.loopback, ch.hour, nullif(ch.src_net_ip, ''), nullif(ch.dst_net_ip, ''), ch.lines,
                ch.flows, ch.bytes, ch.first, ch.last, ch.src_ip_min, ch.src_ip_max, ch.dst_ip_min, ch.dst_ip_max,
                ch.packets
            FROM conn_hour ch WHERE ch.conn_id IN \(ReadinessSQL.idList(connections)) AND \(time)
            """, args)
        return rows.map { row in
            let id = row[0].int ?? 0
            let ips = { (a: String?, b: String?) in Array(Set([a, b].compactMap { $0 })).sorted() }
            return ConnectionHour(
                connection: id, loopback: row[1].int == 1, hour: row[2].int ?? 0, netSource: row[3].text, netDest: row[4].text,
                lines: row[5].int ?? 0, flows: row[6].int ?? 0, bytes: row[7].int ?? 0, packets: row[14].int ?? 0,
                first: row[8].int ?? 0, last: row[9].int ?? 0, sourceIPs: ips(row[10].text, row[11].text),
                destIPs: ips(row[12].text, row[13].text), domainIDs: domains[id] ?? [])
        }
    }

    public func lineGroups(
        of connections: [Int64], _ window: ReadWindow, filter: Filter?, noise: [Filter], nets: NetEndpoints,
        everyAddress: Bool
    ) throws -> [ConnectionHour] {
        guard !connections.isEmpty else { return [] }
        var noiseSQL: [String] = []
        var noiseArgs: [SQLValue] = []
        for rule in noise {
            let frag = SQLiteDialect.compile(rule)
            noiseSQL.append("COALESCE(\(frag.sql), 0)")
            noiseArgs += frag.bindings
        }
        let noiseColumns = noiseSQL.isEmpty ? "0" : noiseSQL.joined(separator: ", ")
        let where_ = SQLiteDialect.compile(window.startTimeFilter.and(filter))
        let (srcNet, dstNet) = ReadinessSQL.netAddressColumns(nets)
        let loopback = "(f.source_ip LIKE '127.%' OR f.source_ip = '::1' OR f.dest_ip LIKE '127.%' OR f.dest_ip = '::1')"
        let n = 5 + max(noiseSQL.count, 1)
        let ipColumns = everyAddress
            ? "group_concat(DISTINCT f.source_ip), group_concat(DISTINCT f.dest_ip)"
            : "min(f.source_ip) || ifnull(',' || nullif(max(f.source_ip), min(f.source_ip)), ''), "
                + "min(f.dest_ip) || ifnull(',' || nullif(max(f.dest_ip), min(f.dest_ip)), '')"
        let sql = """
            SELECT f.conn_id, \(loopback), f.start_time / 3600, \(srcNet), \(dstNet), \(noiseColumns),
                count(*), sum(COALESCE(f.num_flows, 1)), sum(COALESCE(f.bytes_in, 0) + COALESCE(f.bytes_out, 0)),
                min(f.start_time), max(COALESCE(f.end_time, f.start_time)), \(ipColumns), group_concat(DISTINCT f.domains_id),
                sum(COALESCE(f.packets_in, 0) + COALESCE(f.packets_out, 0))
            FROM flow f
            WHERE \(where_.sql) AND f.conn_id IN \(ReadinessSQL.idList(connections))
            GROUP BY \((1...n).map(String.init).joined(separator: ", "))
            """
        return try values(sql, noiseArgs + where_.bindings).map { row in
            /// A comma-separated list (group_concat), as text whatever SQLite typed it.
            func list(_ v: SQLValue) -> [String] { (v.text ?? v.int.map(String.init) ?? "").split(separator: ",").map(String.init) }
            return ConnectionHour(
                connection: row[0].int ?? 0, loopback: row[1].int == 1, hour: row[2].int ?? 0, netSource: row[3].text,
                netDest: row[4].text, noise: (0..<noiseSQL.count).first { row[5 + $0].int == 1 }, lines: row[n].int ?? 0,
                flows: row[n + 1].int ?? 0, bytes: row[n + 2].int ?? 0, packets: row[n + 8].int ?? 0, first: row[n + 3].int ?? 0,
                last: row[n + 4].int ?? 0, sourceIPs: list(row[n + 5]), destIPs: list(row[n + 6]),
                domainIDs: list(row[n + 7]).compactMap { Int64($0) })
        }
    }

    public func lineKeys(of connections: [Int64], _ window: ReadWindow, matching: Filter, nets: NetEndpoints) throws -> [LineKey] {
        guard !connections.isEmpty else { return [] }
        let (srcNet, dstNet) = ReadinessSQL.netAddressColumns(nets)
        let where_ = SQLiteDialect.compile(window.startTimeFilter.and(matching))
        let sql = """
            SELECT DISTINCT f.conn_id, ifnull(\(srcNet), ''), ifnull(\(dstNet), '') FROM flow f
            WHERE f.conn_id IN \(ReadinessSQL.idList(connections)) AND \(where_.sql)
            """
        return try values(sql, where_.bindings).compactMap { row in
            row[0].int.map { LineKey(connection: $0, netSource: row[1].text ?? "", netDest: row[2].text ?? "") }
        }
    }

    public func hourKeys(of connections: [Int64], _ window: ReadWindow) throws -> [LineKey] {
        guard !connections.isEmpty else { return [] }
        let (time, args) = Self.hourFilter(window)
        let sql = """
            SELECT ch.conn_id, ch.src_net_ip, ch.dst_net_ip FROM conn_hour ch
            WHERE \(time) AND ch.conn_id IN \(ReadinessSQL.idList(connections))
            GROUP BY 1, 2, 3
            """
        return try values(sql, args).compactMap { row in
            row[0].int.map { LineKey(connection: $0, netSource: row[1].text ?? "", netDest: row[2].text ?? "") }
        }
    }

    public func netEndpointIDs() throws -> Set<Int64> {
        Set(try values("SELECT id FROM endpoint WHERE type = 'net'").compactMap { $0[0].int })
    }

    public func endpoints() throws -> [EndpointRow] {
        // Names through the store's NUL-safe reads: a namespace or name is shown whole.
        try values("SELECT e.id, e.type, e.namespace, e.name_aggr, l.labels FROM endpoint e LEFT JOIN label_set l ON l.id = e.labels_id")
            .compactMap { row in
                guard case .int(let id) = row[0] else { return nil }
                return EndpointRow(
                    id: id, type: row[1].text, namespace: row[2].text, nameAggr: row[3].text,
                    labels: row[4].text.flatMap(StoredJSON.strings) ?? [])
            }
    }

    public func services() throws -> [(id: Int64, namespace: String?, name: String?, portName: String?)] {
        try values("SELECT id, namespace, name, port_name FROM service").compactMap { row in
            guard case .int(let id) = row[0] else { return nil }
            return (id, row[1].text, row[2].text, row[3].text)
        }
    }

    public func hosts() throws -> [Int64: String] {
        var out: [Int64: String] = [:]
        for row in try values("SELECT id, name FROM host") {
            if case .int(let id) = row[0], let name = row[1].text { out[id] = name }
        }
        return out
    }

    public func stringLists() throws -> [Int64: [String]] {
        var out: [Int64: [String]] = [:]
        for row in try values("SELECT id, items FROM string_list") {
            if case .int(let id) = row[0] { out[id] = row[1].text.flatMap(StoredJSON.strings) ?? [] }
        }
        return out
    }

    public func hostTotals(_ window: ReadWindow) throws -> [(hostID: Int64, first: Int64?, last: Int64?, lines: Int64)] {
        let (time, args) = Self.hourFilter(window)
        return try values(
            """
            SELECT c.host_id, min(ch.first), max(ch.last), sum(ch.lines) FROM conn_hour ch JOIN conn c ON c.id = ch.conn_id
            WHERE \(time) GROUP BY c.host_id
            """, args
        ).compactMap { row in row[0].int.map { ($0, row[1].int, row[2].int, row[3].int ?? 0) } }
    }

    public func hostsWithLines() throws -> Set<Int64> {
        Set(try values("SELECT DISTINCT host_id FROM conn WHERE host_id IS NOT NULL").compactMap(\.first?.int))
    }

    // MARK: Helpers

    /// The window on the roll-up's hours.
    static func hourFilter(_ window: ReadWindow) -> (String, [SQLValue]) {
        var parts: [String] = []
        var values: [SQLValue] = []
        if let since = window.since {
            parts.append("ch.hour >= ?")
            values.append(.int(since / 3600))
        }
        if let until = window.until {
            parts.append("ch.hour <= ?")
            values.append(.int(until / 3600))
        }
        return (parts.isEmpty ? "1" : parts.joined(separator: " AND "), values)
    }
}
