import FlowLog
import FlowQuery
import FlowStore

/// Dictionary ids by value, cached; a miss is upserted on its own (committed at once: the row is shared by every
/// writer and harmless if the batch that wanted it fails) and read back.
///
/// Each row has a `key`: the JSON array of its identity, in the canonical order of sets (labels, domains, policy
/// hits by index), unique through `md5(key)`.
///
/// The hot path skips all of that: a line's conn id is found by the raw identity of its fields (``ConnCache``), and
/// lists by their storage address (the decoder hands out the same array for the same bytes), so a line of a known
/// connection builds no key at all.
struct PostgresDictionaries {
    private var ids = GenerationalCache<String, Int64>(limit: 50_000)
    private var listsByAddress = AddressCache<[String]>(limit: 20_000)
    private var domainsByAddress = AddressCache<[String]>(limit: 20_000)
    /// Label sets and traces by their storage address too: their keys (in canonical order, as JSON) cost more to
    /// make than anything else a new connection needs.
    private var labelsByAddress = AddressCache<[String]>(limit: 20_000)
    private var tracesByAddress = AddressCache<PolicyLists>(limit: 4_000)
    let connsByIdentity = ConnCache()

    mutating func host(_ name: String, _ s: PostgresSession) throws -> Int64 {
        try id(Self.hostRow(name), s)
    }

    static func hostRow(_ name: String) -> DictionaryRow {
        DictionaryRow("host", key: "[" + JSONText.string(name) + "]", ["name"], [.text(PostgresStore.clean(name))])
    }

    /// An ordered list (process arguments), stored as given.
    mutating func list(_ items: [String], _ s: PostgresSession) throws -> Int64 {
        if let id = listsByAddress.get(items, at: items.storageAddress) { return id }
        let id = try storedList(items, s)
        listsByAddress.set(items, id, at: items.storageAddress)
        return id
    }

    /// A set (`dest_domains`), stored in ``CanonicalOrder``.
    mutating func domains(_ items: [String], _ s: PostgresSession) throws -> Int64 {
        if let id = domainsByAddress.get(items, at: items.storageAddress) { return id }
        let id = try storedList(CanonicalOrder.set(items), s)
        domainsByAddress.set(items, id, at: items.storageAddress)
        return id
    }

    private mutating func storedList(_ items: [String], _ s: PostgresSession) throws -> Int64 {
        try id(Self.listRow(items), s)
    }

    static func listRow(_ items: [String]) -> DictionaryRow {
        let json = JSONText.array(items, numeric: false)
        return DictionaryRow("string_list", key: json, ["items"], [.text(PostgresStore.clean(json))], casts: ["jsonb"])
    }

    mutating func labels(_ labels: [String], _ s: PostgresSession) throws -> Int64 {
        if let id = labelsByAddress.get(labels, at: labels.storageAddress) { return id }
        let id = try id(Self.labelsRow(labels), s)
        labelsByAddress.set(labels, id, at: labels.storageAddress)
        return id
    }

    static func labelsRow(_ labels: [String]) -> DictionaryRow {
        let json = JSONText.array(CanonicalOrder.set(labels), numeric: false)
        return DictionaryRow("label_set", key: json, ["labels"], [.text(PostgresStore.clean(json))], casts: ["jsonb"])
    }

    mutating func trace(_ p: PolicyLists, _ s: PostgresSession) throws -> Int64 {
        if let id = tracesByAddress.get(p, at: p.storageAddress) { return id }
        let id = try id(Self.traceRow(p), s)
        tracesByAddress.set(p, id, at: p.storageAddress)
        return id
    }

    static func traceRow(_ p: PolicyLists) -> DictionaryRow {
        let c = p.canonical
        let json = StoredJSON.text(of: c)
        return DictionaryRow(
            "policy_trace", key: json, ["policies", "all_view"],
            [.text(PostgresStore.clean(json)), .text(PostgresStore.clean(JSONText.array(c.allView, numeric: false)))],
            casts: ["jsonb", "jsonb"])
    }

    mutating func endpoint(_ e: EndpointFields?, _ s: PostgresSession) throws -> Int64? {
        guard let e else { return nil }
        let labelsID = try e.labels.map { try self.labels($0, s) }
        return try id(Self.endpointRow(e, labelsID: labelsID), s)
    }

    /// The row of an endpoint whose label set (if any) has the id `labelsID`.
    static func endpointRow(_ e: EndpointFields, labelsID: Int64?) -> DictionaryRow {
        DictionaryRow(
            "endpoint", key: key([e.type, e.namespace, e.nameAggr, labelsID.map(String.init)]),
            ["type", "namespace", "name_aggr", "labels_id"], [.of(e.type), .of(e.namespace), .of(e.nameAggr), .of(labelsID)],
            casts: ["text", "text", "text", "bigint"])
    }

    /// The conn id of a line: by the identity of its fields, else through every dictionary it names.
    mutating func conn(_ r: UnsafePointer<FlowRecord>, hostID: Int64?, overridingLines: Bool, _ s: PostgresSession) throws -> Int64 {
        if let id = connsByIdentity.lookup(r, hostID: hostID, ignoreLineHost: overridingLines) { return id }
        let id = try resolveConn(r.pointee, hostID: hostID, overridingLines: overridingLines, s)
        connsByIdentity.remember(conn: id, record: r.pointee)
        return id
    }

    private mutating func resolveConn(_ r: FlowRecord, hostID: Int64?, overridingLines: Bool, _ s: PostgresSession) throws -> Int64 {
        let host = overridingLines ? hostID : (try r[.host].map { try self.host($0, s) } ?? hostID)
        let src = try endpoint(EndpointFields(r, .source), s)
        let dst = try endpoint(EndpointFields(r, .dest), s)
        let service = try Self.serviceRow(r).map { try id($0, s) }
        let trace = try r.policies.map { try self.trace($0, s) }
        return try id(Self.connRow(r, host: host, src: src, dst: dst, service: service, trace: trace), s)
    }

    /// The service a line names, if it names one.
    static func serviceRow(_ r: FlowRecord) -> DictionaryRow? {
        guard let v = ServiceFields(r) else { return nil }
        return DictionaryRow(
            "service", key: key([v.namespace, v.name, v.portName, v.portNum.map(String.init)]),
            ["namespace", "name", "port_name", "port_num"], [.of(v.namespace), .of(v.name), .of(v.portName), .of(v.portNum)],
            casts: ["text", "text", "text", "bigint"])
    }

    static func connRow(_ r: FlowRecord, host: Int64?, src: Int64?, dst: Int64?, service: Int64?, trace: Int64?) -> DictionaryRow {
        let fields: [String?] = [
            host.map(String.init), src.map(String.init), dst.map(String.init), r[.destPort].map(String.init), r[.proto],
            service.map(String.init), r[.action], r[.reporter], trace.map(String.init),
        ]
        return DictionaryRow(
            "conn", key: key(fields),
            ["host_id", "src_ep", "dst_ep", "dest_port", "proto", "service_id", "action", "reporter", "trace_id"],
            [.of(host), .of(src), .of(dst), .of(r[.destPort]), .of(r[.proto]), .of(service), .of(r[.action]), .of(r[.reporter]), .of(trace)],
            casts: ["bigint", "bigint", "bigint", "bigint", "text", "bigint", "text", "text", "bigint"])
    }

    /// The id of `row`: from the cache, else upserted on its own and read back.
    private mutating func id(_ row: DictionaryRow, _ s: PostgresSession) throws -> Int64 {
        if let id = ids.get(row.cacheKey) { return id }
        try store([row], s)
        guard let id = ids.get(row.cacheKey) else {
            throw StoreError(.postgres, "a \(row.table) row vanished while it was stored; retrying the batch")
        }
        return id
    }

    /// Dictionary rows sent to the database since the batch began (by the prefetch and by the lines).
    private var rowsSent = 0
    /// Whether the next batch is prefetched: the first always, then those after a batch that sent more than
    /// ``prefetchAfter`` rows. Where connections are few, a batch's misses of the identity cache are found in the
    /// id cache (no round trip), and making their keys twice cost more than the prefetch saved (1M messy lines of
    /// 71 connections: 12.0 -> 17.3 s with a prefetch of every batch).
    private var prefetchNext = true
    static let prefetchAfter = 16

    /// Ends a batch: whether the next one is prefetched follows from what this one sent.
    mutating func endBatch() {
        prefetchNext = rowsSent > Self.prefetchAfter
        rowsSent = 0
    }

    /// The most rows of one table upserted by one statement.
    static let rowsPerUpsert = 1_000

    /// Upserts `rows` (of any tables) a table and at most ``rowsPerUpsert`` rows a statement, and caches their ids:
    /// those it inserts come back from `RETURNING`, those other writers stored before are read back by key. Rows are
    /// sent in key order, so that writers storing the same new rows at once lock them in the same order (a cycle of
    /// two multi-row inserts each waiting for the other's row would be a deadlock).
    private mutating func store(_ rows: [DictionaryRow], _ s: PostgresSession) throws {
        var byTable: [String: [String: DictionaryRow]] = [:]
        for row in rows where ids.get(row.cacheKey) == nil { byTable[row.table, default: [:]][row.key] = row }
        for (table, unique) in byTable.sorted(by: { $0.key < $1.key }) {
            let sorted = unique.values.sorted { $0.key < $1.key }
            rowsSent += sorted.count
            for start in stride(from: 0, to: sorted.count, by: Self.rowsPerUpsert) {
                let chunk = sorted[start..<min(start + Self.rowsPerUpsert, sorted.count)]
                // Rows come back with their key as stored (cleaned of NUL bytes), which leads to the key asked for.
                var asked: [String: String] = [:]
                for row in chunk { asked[PostgresStore.clean(row.key)] = row.key }
                var values: [PostgresValue] = []
                var tuples: [String] = []
                for row in chunk {
                    let first = values.count + 1
                    values.append(.text(PostgresStore.clean(row.key)))
                    values += row.values
                    let cells = row.casts.enumerated().map { "$\(first + 1 + $0.offset)::\($0.element)" }
                    tuples.append("($\(first), " + cells.joined(separator: ", ") + ")")
                }
                let columns = chunk.first!.columns.joined(separator: ", ")
                for found in try s.query(
                    "INSERT INTO \(table) (key, \(columns)) VALUES \(tuples.joined(separator: ", ")) ON CONFLICT (md5(key)) DO NOTHING RETURNING id, key",
                    values)
                {
                    if let id = found.int(0), let key = found.text(1), let raw = asked.removeValue(forKey: key) {
                        ids.set(DictionaryRow.cacheKey(table, raw), id)
                    }
                }
                guard !asked.isEmpty else { continue }
                let keys = Array(asked.keys)
                let list = keys.indices.map { "md5($\($0 + 1))" }.joined(separator: ", ")
                for found in try s.query("SELECT id, key FROM \(table) WHERE md5(key) IN (\(list))", keys.map { .text($0) }) {
                    if let id = found.int(0), let key = found.text(1), let raw = asked[key] { ids.set(DictionaryRow.cacheKey(table, raw), id) }
                }
            }
        }
    }

    /// Before a batch's lines are resolved one by one: every dictionary row they need that the cache lacks,
    /// stored a level at a time (hosts, label sets, services, traces and lists; then endpoints, which name label
    /// sets; then connections), a few statements in all, so that the lines then find every id in the cache. With
    /// pod churn most lines bring a new connection, and a round trip each (two for a new endpoint or label set) set
    /// the rate: 2M lines of 103,915 connections went in at 4,300 lines/s. What this leaves out (an id the cache
    /// lost meanwhile) the lines still resolve one by one. Skipped after a batch that sent the database next to
    /// nothing (``endBatch()``).
    mutating func prefetch(
        _ records: UnsafeBufferPointer<FlowRecord>, hostID: Int64?, overridingLines: Bool, _ s: PostgresSession
    ) throws {
        guard prefetchNext else { return }
        var misses: [Miss] = []
        var missed = Set<UInt64>()
        var independent: [DictionaryRow] = []
        // Lists, label sets and traces by storage address: a row made once per object (a trace's key costs about
        // 150,000 instructions to make, and a batch's first lines all miss the identity cache), and the address
        // caches filled once their ids are known.
        var lists: [Int: ([String], DictionaryRow)] = [:]
        var domains: [Int: ([String], DictionaryRow)] = [:]
        var labelSets: [Int: ([String], DictionaryRow)] = [:]
        var traces: [Int: (PolicyLists, DictionaryRow)] = [:]
        for i in records.indices {
            let r = records.baseAddress! + i
            if let d = r.pointee[.destDomains], domains[d.storageAddress] == nil, domainsByAddress.get(d, at: d.storageAddress) == nil {
                domains[d.storageAddress] = (d, Self.listRow(CanonicalOrder.set(d)))
            }
            if let a = r.pointee[.processArgs], lists[a.storageAddress] == nil, listsByAddress.get(a, at: a.storageAddress) == nil {
                lists[a.storageAddress] = (a, Self.listRow(a))
            }
            // One line of each connection the identity cache lacks (a hash collision leaves a connection to its lines).
            guard connsByIdentity.lookup(r, hostID: hostID, ignoreLineHost: overridingLines) == nil,
                missed.insert(connsByIdentity.currentHash).inserted
            else { continue }
            let miss = Miss(record: r, host: overridingLines ? nil : r.pointee[.host].map(Self.hostRow), service: Self.serviceRow(r.pointee))
            misses.append(miss)
            independent += [miss.host, miss.service].compactMap { $0 }
            for labels in [r.pointee.sourceLabels, r.pointee.destLabels] {
                guard let labels, labelSets[labels.storageAddress] == nil,
                    labelsByAddress.get(labels, at: labels.storageAddress) == nil
                else { continue }
                labelSets[labels.storageAddress] = (labels, Self.labelsRow(labels))
            }
            if let p = r.pointee.policies, traces[p.storageAddress] == nil, tracesByAddress.get(p, at: p.storageAddress) == nil {
                traces[p.storageAddress] = (p, Self.traceRow(p))
            }
        }
        try store(independent + [lists, domains, labelSets].flatMap { $0.values.map(\.1) } + traces.values.map(\.1), s)
        Self.remember(lists, in: &listsByAddress, from: &ids)
        Self.remember(domains, in: &domainsByAddress, from: &ids)
        Self.remember(labelSets, in: &labelsByAddress, from: &ids)
        Self.remember(traces, in: &tracesByAddress, from: &ids)
        guard !misses.isEmpty else { return }
        for k in misses.indices {
            misses[k].source = endpointRow(EndpointFields(misses[k].record.pointee, .source))
            misses[k].dest = endpointRow(EndpointFields(misses[k].record.pointee, .dest))
        }
        try store(misses.flatMap { [$0.source, $0.dest].compactMap { $0 ?? nil } }, s)
        var conns: [DictionaryRow] = []
        for miss in misses {
            // Only a connection whose every id is known; anything else is left to the line.
            guard let host = miss.host.map({ cached($0) }) ?? .some(hostID),
                let src = miss.source.flatMap({ cached($0) }), let dst = miss.dest.flatMap({ cached($0) }),
                let service = cached(miss.service), let trace = traceID(miss.record.pointee.policies)
            else { continue }
            conns.append(Self.connRow(miss.record.pointee, host: host, src: src, dst: dst, service: service, trace: trace))
        }
        try store(conns, s)
    }

    /// A connection the identity cache lacks, as the prefetch sees it: one of its lines and the rows it names
    /// (an endpoint row is `.some(nil)` for no endpoint, `nil` while its label set's id is unknown).
    private struct Miss {
        let record: UnsafePointer<FlowRecord>
        let host: DictionaryRow?
        let service: DictionaryRow?
        var source: DictionaryRow?? = nil
        var dest: DictionaryRow?? = nil
    }

    /// Fills `cache` with the ids now known for the objects rows were `made` for (by storage address).
    private static func remember<Value: Equatable>(
        _ made: [Int: (Value, DictionaryRow)], in cache: inout AddressCache<Value>, from ids: inout GenerationalCache<String, Int64>
    ) {
        for (address, (value, row)) in made { if let id = ids.get(row.cacheKey) { cache.set(value, id, at: address) } }
    }

    /// The endpoint row of one side of a line: `.some(nil)` when the line names no endpoint there, `nil` when its
    /// label set's id is not cached.
    private mutating func endpointRow(_ e: EndpointFields?) -> DictionaryRow?? {
        guard let e else { return .some(nil) }
        var labelsID: Int64?
        if let labels = e.labels {
            guard let id = labelsByAddress.get(labels, at: labels.storageAddress) ?? ids.get(Self.labelsRow(labels).cacheKey) else {
                return nil
            }
            labelsID = id
        }
        return .some(Self.endpointRow(e, labelsID: labelsID))
    }

    /// The cached id of a line's trace: `.some(nil)` for none, `nil` when not cached.
    private mutating func traceID(_ p: PolicyLists?) -> Int64?? {
        guard let p else { return .some(nil) }
        if let id = tracesByAddress.get(p, at: p.storageAddress) { return .some(id) }
        return cached(Self.traceRow(p))
    }

    /// The cached id of `row`: `.some(nil)` for no row, `nil` when the row's id is not cached.
    private mutating func cached(_ row: DictionaryRow?) -> Int64?? {
        guard let row else { return .some(nil) }
        guard let id = ids.get(row.cacheKey) else { return nil }
        return .some(id)
    }

    /// The identity of a row: its values as a JSON array (null for absent ones).
    static func key(_ values: [String?]) -> String {
        "[" + values.map { $0.map(JSONText.string) ?? "null" }.joined(separator: ",") + "]"
    }
}

extension PostgresValue {
    static func of(_ s: String?) -> PostgresValue { s.map { .text(PostgresStore.clean($0)) } ?? .null }
    static func of(_ i: Int64?) -> PostgresValue { i.map(PostgresValue.int) ?? .null }
}
