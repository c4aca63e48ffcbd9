import FlowLog
import FlowQuery
import FlowStore

/// The readiness report's reads, in PostgreSQL's dialect.
extension PostgresStore: ReadinessSource {
    public func traces() throws -> [(id: Int64, policies: PolicyLists)] {
        try session.query("SELECT id, policies::text FROM policy_trace").compactMap { row in
            guard let id = row.int(0), let p = row.text(1).flatMap(StoredJSON.policies) else { return nil }
            return (id, p)
        }
    }

    public func connections() throws -> [Int64: ConnectionRow] {
        var out: [Int64: ConnectionRow] = [:]
        for row in try session.query("SELECT id, host_id, src_ep, dst_ep, dest_port, proto, service_id, action, reporter, trace_id FROM conn") {
            guard let id = row.int(0) else { continue }
            out[id] = ConnectionRow(
                hostID: row.int(1), sourceEndpoint: row.int(2), destEndpoint: row.int(3), port: row.int(4), proto: row.text(5),
                serviceID: row.int(6), action: row.text(7), reporter: row.text(8), traceID: row.int(9))
        }
        return out
    }

    public func traceTotals(_ window: ReadWindow) throws -> [(traceID: Int64?, lines: Int64, staleDenyLines: Int64)] {
        let (time, args) = Self.hourFilter(window)
        return try session.query(
            """
            SELECT c.trace_id, sum(ch.lines), sum(CASE WHEN c.action = 'deny' AND ch.bytes = 0 AND ch.packets = 0 THEN ch.lines ELSE 0 END)
            FROM conn_hour ch JOIN conn c ON c.id = ch.conn_id WHERE \(time) GROUP BY c.trace_id
            """, args
        ).map { ($0.int(0), $0.int(1) ?? 0, $0.int(2) ?? 0) }
    }

    public func hourRows(of connections: [Int64], _ window: ReadWindow) throws -> [ConnectionHour] {
        guard !connections.isEmpty else { return [] }
        let (time, args) = Self.hourFilter(window)
        var domains: [Int64: [Int64]] = [:]
        for row in try session.query("SELECT conn_id, domains_id FROM conn_domains WHERE conn_id IN \(ReadinessSQL.idList(connections))") {
            if let c = row.int(0), let d = row.int(1) { domains[c, default: []].append(d) }
        }
        return try session.query(
            """
            SELECT ch.conn_id, ch.loopback, ch.hour, nullif(ch.src_net_ip, ''), nullif(ch.dst_net_ip, ''), ch.lines,
                ch.flows, ch.bytes, ch.first, ch.last, ch.src_ip_min, ch.src_ip_max, ch.dst_ip_min, ch.dst_ip_max, ch.packets
            FROM conn_hour ch WHERE ch.conn_id IN \(ReadinessSQL.idList(connections)) AND \(time)
            """, args
        ).map { row in
            let id = row.int(0) ?? 0
            let ips = { (a: String?, b: String?) in Array(Set([a, b].compactMap { $0 })).sorted() }
            return ConnectionHour(
                connection: id, loopback: row.int(1) == 1, hour: row.int(2) ?? 0, netSource: row.text(3), netDest: row.text(4),
                lines: row.int(5) ?? 0, flows: row.int(6) ?? 0, bytes: row.int(7) ?? 0, packets: row.int(14) ?? 0,
                first: row.int(8) ?? 0, last: row.int(9) ?? 0, sourceIPs: ips(row.text(10), row.text(11)),
                destIPs: ips(row.text(12), row.text(13)), domainIDs: domains[id] ?? [])
        }
    }

    public func lineGroups(
        of connections: [Int64], _ window: ReadWindow, filter: Filter?, noise: [Filter], nets: NetEndpoints, everyAddress: Bool
    ) throws -> [ConnectionHour] {
        guard !connections.isEmpty else { return [] }
        var noiseSQL: [String] = []
        var values: [PostgresValue] = []
        for rule in noise {
            let w = PostgresDialect.compile(rule, first: values.count + 1)
            noiseSQL.append("(CASE WHEN COALESCE(\(w.sql), FALSE) THEN 1 ELSE 0 END)")
            values += w.bindings
        }
        let noiseColumns = noiseSQL.isEmpty ? "0" : noiseSQL.joined(separator: ", ")
        let w = PostgresDialect.compile(window.startTimeFilter.and(filter), first: values.count + 1)
        values += w.bindings
        let (srcNet, dstNet) = ReadinessSQL.netAddressColumns(nets)
        let loopback = "(CASE WHEN f.source_ip LIKE '127.%' OR f.source_ip = '::1' OR f.dest_ip LIKE '127.%' OR f.dest_ip = '::1' THEN 1 ELSE 0 END)"
        let n = 5 + max(noiseSQL.count, 1)
        let ipColumns = everyAddress
            ? "string_agg(DISTINCT f.source_ip, ','), string_agg(DISTINCT f.dest_ip, ',')"
            : "min(f.source_ip COLLATE \"C\") || coalesce(',' || nullif(max(f.source_ip COLLATE \"C\"), min(f.source_ip COLLATE \"C\")), ''), "
                + "min(f.dest_ip COLLATE \"C\") || coalesce(',' || nullif(max(f.dest_ip COLLATE \"C\"), min(f.dest_ip COLLATE \"C\")), '')"
        let sql = """
            SELECT f.conn_id, \(loopback), CASE WHEN f.start_time >= 0 THEN f.start_time / 3600 ELSE (f.start_time - 3599) / 3600 END,
                \(srcNet), \(dstNet), \(noiseColumns),
                count(*), sum(COALESCE(f.num_flows, 1)), sum(COALESCE(f.bytes_in, 0) + COALESCE(f.bytes_out, 0)),
                min(f.start_time), max(COALESCE(f.end_time, f.start_time)), \(ipColumns), string_agg(DISTINCT f.domains_id::text, ','),
                sum(COALESCE(f.packets_in, 0) + COALESCE(f.packets_out, 0))
            FROM flow f
            WHERE \(w.sql) AND f.conn_id IN \(ReadinessSQL.idList(connections))
            GROUP BY \((1...n).map(String.init).joined(separator: ", "))
            """
        return try session.query(sql, values).map { row in
            func list(_ i: Int) -> [String] { (row.text(i) ?? "").split(separator: ",").map(String.init) }
            return ConnectionHour(
                connection: row.int(0) ?? 0, loopback: row.int(1) == 1, hour: row.int(2) ?? 0, netSource: row.text(3),
                netDest: row.text(4), noise: (0..<noiseSQL.count).first { row.int(5 + $0) == 1 }, lines: row.int(n) ?? 0,
                flows: row.int(n + 1) ?? 0, bytes: row.int(n + 2) ?? 0, packets: row.int(n + 8) ?? 0, first: row.int(n + 3) ?? 0,
                last: row.int(n + 4) ?? 0, sourceIPs: list(n + 5), destIPs: list(n + 6), domainIDs: list(n + 7).compactMap { Int64($0) })
        }
    }

    public func lineKeys(of connections: [Int64], _ window: ReadWindow, matching: Filter, nets: NetEndpoints) throws -> [LineKey] {
        guard !connections.isEmpty else { return [] }
        let (srcNet, dstNet) = ReadinessSQL.netAddressColumns(nets)
        let w = PostgresDialect.compile(window.startTimeFilter.and(matching))
        return try session.query(
            """
            SELECT DISTINCT f.conn_id, coalesce(\(srcNet), ''), coalesce(\(dstNet), '') FROM flow f
            WHERE f.conn_id IN \(ReadinessSQL.idList(connections)) AND \(w.sql)
            """, w.bindings
        ).compactMap { row in row.int(0).map { LineKey(connection: $0, netSource: row.text(1) ?? "", netDest: row.text(2) ?? "") } }
    }

    public func hourKeys(of connections: [Int64], _ window: ReadWindow) throws -> [LineKey] {
        guard !connections.isEmpty else { return [] }
        let (time, args) = Self.hourFilter(window)
        return try session.query(
            """
            SELECT DISTINCT ch.conn_id, ch.src_net_ip, ch.dst_net_ip FROM conn_hour ch
            WHERE \(time) AND ch.conn_id IN \(ReadinessSQL.idList(connections))
            """, args
        ).compactMap { row in row.int(0).map { LineKey(connection: $0, netSource: row.text(1) ?? "", netDest: row.text(2) ?? "") } }
    }

    public func netEndpointIDs() throws -> Set<Int64> {
        Set(try session.query("SELECT id FROM endpoint WHERE type = 'net'").compactMap { $0.int(0) })
    }

    public func endpoints() throws -> [EndpointRow] {
        try session.query("SELECT e.id, e.type, e.namespace, e.name_aggr, l.labels::text FROM endpoint e LEFT JOIN label_set l ON l.id = e.labels_id")
            .compactMap { row in
                guard let id = row.int(0) else { return nil }
                return EndpointRow(
                    id: id, type: row.text(1), namespace: row.text(2), nameAggr: row.text(3),
                    labels: row.text(4).flatMap(StoredJSON.strings) ?? [])
            }
    }

    public func services() throws -> [(id: Int64, namespace: String?, name: String?, portName: String?)] {
        try session.query("SELECT id, namespace, name, port_name FROM service").compactMap { row in
            row.int(0).map { ($0, row.text(1), row.text(2), row.text(3)) }
        }
    }

    public func hosts() throws -> [Int64: String] {
        var out: [Int64: String] = [:]
        for row in try session.query("SELECT id, name FROM host") { if let id = row.int(0), let n = row.text(1) { out[id] = n } }
        return out
    }

    public func stringLists() throws -> [Int64: [String]] {
        var out: [Int64: [String]] = [:]
        for row in try session.query("SELECT id, items::text FROM string_list") {
            if let id = row.int(0) { out[id] = row.text(1).flatMap(StoredJSON.strings) ?? [] }
        }
        return out
    }

    public func hostTotals(_ window: ReadWindow) throws -> [(hostID: Int64, first: Int64?, last: Int64?, lines: Int64)] {
        let (time, args) = Self.hourFilter(window)
        return try session.query(
            """
            SELECT c.host_id, min(ch.first), max(ch.last), sum(ch.lines) FROM conn_hour ch JOIN conn c ON c.id = ch.conn_id
            WHERE \(time) GROUP BY c.host_id
            """, args
        ).compactMap { row in row.int(0).map { ($0, row.int(1), row.int(2), row.int(3) ?? 0) } }
    }

    public func hostsWithLines() throws -> Set<Int64> {
        Set(try session.query("SELECT DISTINCT host_id FROM conn WHERE host_id IS NOT NULL").compactMap { $0.int(0) })
    }

    // MARK: Helpers

    static func hourFilter(_ window: ReadWindow) -> (String, [PostgresValue]) {
        var parts: [String] = []
        var values: [PostgresValue] = []
        if let since = window.since {
            values.append(.int(since / 3600))
            parts.append("ch.hour >= $\(values.count)")
        }
        if let until = window.until {
            values.append(.int(until / 3600))
            parts.append("ch.hour <= $\(values.count)")
        }
        return (parts.isEmpty ? "TRUE" : parts.joined(separator: " AND "), values)
    }
}
