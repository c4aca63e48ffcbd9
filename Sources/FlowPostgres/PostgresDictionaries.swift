import FlowLog
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
    let connsByIdentity = ConnCache()

    mutating func host(_ name: String, _ s: PostgresSession) throws -> Int64 {
        try id("host", key: "[" + JSONText.string(name) + "]", ["name"], [.text(PostgresStore.clean(name))], s)
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
        let json = JSONText.array(items, numeric: false)
        return try id("string_list", key: json, ["items"], [.text(PostgresStore.clean(json))], s, casts: ["jsonb"])
    }

    mutating func labels(_ labels: [String], _ s: PostgresSession) throws -> Int64 {
        let json = JSONText.array(CanonicalOrder.set(labels), numeric: false)
        return try id("label_set", key: json, ["labels"], [.text(PostgresStore.clean(json))], s, casts: ["jsonb"])
    }

    mutating func trace(_ p: PolicyLists, _ s: PostgresSession) throws -> Int64 {
        let c = p.canonical
        let json = StoredJSON.text(of: c)
        return try id(
            "policy_trace", key: json, ["policies", "all_view"],
            [.text(PostgresStore.clean(json)), .text(PostgresStore.clean(JSONText.array(c.allView, numeric: false)))], s,
            casts: ["jsonb", "jsonb"])
    }

    mutating func endpoint(type: String?, namespace: String?, nameAggr: String?, labels: [String]?, _ s: PostgresSession) throws
        -> Int64?
    {
        if type == nil && namespace == nil && nameAggr == nil && labels == nil { return nil }
        let labelsID = try labels.map { try self.labels($0, s) }
        return try id(
            "endpoint", key: Self.key([type, namespace, nameAggr, labelsID.map(String.init)]),
            ["type", "namespace", "name_aggr", "labels_id"], [.of(type), .of(namespace), .of(nameAggr), .of(labelsID)], s,
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
        let src = try endpoint(
            type: r[.sourceType], namespace: r[.sourceNamespace], nameAggr: r[.sourceNameAggr], labels: r.sourceLabels, s)
        let dst = try endpoint(type: r[.destType], namespace: r[.destNamespace], nameAggr: r[.destNameAggr], labels: r.destLabels, s)
        var service: Int64?
        let (ns, name, portName, portNum) = (r[.destServiceNamespace], r[.destServiceName], r[.destServicePort], r[.destServicePortNum])
        if ns != nil || name != nil || portName != nil || portNum != nil {
            service = try id(
                "service", key: Self.key([ns, name, portName, portNum.map(String.init)]), ["namespace", "name", "port_name", "port_num"],
                [.of(ns), .of(name), .of(portName), .of(portNum)], s, casts: ["text", "text", "text", "bigint"])
        }
        let trace = try r.policies.map { try self.trace($0, s) }
        let fields: [String?] = [
            host.map(String.init), src.map(String.init), dst.map(String.init), r[.destPort].map(String.init), r[.proto],
            service.map(String.init), r[.action], r[.reporter], trace.map(String.init),
        ]
        return try id(
            "conn", key: Self.key(fields),
            ["host_id", "src_ep", "dst_ep", "dest_port", "proto", "service_id", "action", "reporter", "trace_id"],
            [.of(host), .of(src), .of(dst), .of(r[.destPort]), .of(r[.proto]), .of(service), .of(r[.action]), .of(r[.reporter]), .of(trace)],
            s, casts: ["bigint", "bigint", "bigint", "bigint", "text", "bigint", "text", "text", "bigint"])
    }

    private mutating func id(
        _ table: String, key: String, _ columns: [String], _ values: [PostgresValue], _ s: PostgresSession, casts: [String]? = nil
    ) throws -> Int64 {
        let cacheKey = table + "\u{1}" + key
        if let id = ids.get(cacheKey) { return id }
        let casts = casts ?? columns.map { _ in "text" }
        let placeholders = casts.enumerated().map { "$\($0.offset + 2)::\($0.element)" }.joined(separator: ", ")
        let k = PostgresValue.text(PostgresStore.clean(key))
        var id = try s.query(
            "INSERT INTO \(table) (key, \(columns.joined(separator: ", "))) VALUES ($1, \(placeholders)) ON CONFLICT (md5(key)) DO NOTHING RETURNING id",
            [k] + values
        ).first?.int(0)
        if id == nil {
            id = try s.query("SELECT id FROM \(table) WHERE md5(key) = md5($1) AND key = $1", [k]).first?.int(0)
        }
        guard let id else { throw StoreError(.postgres, "a \(table) row vanished while it was stored; retrying the batch") }
        ids.set(cacheKey, id)
        return id
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
