import FlowLog
import FlowQuery
import FlowStore
import GRDB

/// In-memory caches of the dictionary tables (value → id), filled on demand from the database.
///
/// A miss looks the value up in the table first (another process may have added it) and inserts it
/// otherwise. Ids created in a transaction that rolls back are forgotten (``forget(_:)``).
struct Dictionaries {
    struct EndpointKey: Hashable {
        var type: String?, namespace: String?, nameAggr: String?, labelsID: Int64?
    }

    struct ConnKey: Hashable {
        var hostID: Int64?, srcEp: Int64?, dstEp: Int64?, destPort: Int64?, proto: String?, serviceID: Int64?
        var action: String?, reporter: String?, traceID: Int64?
    }

    /// What a transaction added, to undo on rollback.
    struct Added {
        var hosts: [String] = []
        var labelSets: [[String]] = []
        var endpoints: [EndpointKey] = []
        var services: [ServiceFields] = []
        var lists: [[String]] = []
        var traces: [PolicyLists] = []
        var conns: [ConnKey] = []
    }

    private var hosts = GenerationalCache<String, Int64>(limit: Dictionaries.defaultLimit)
    private var labelSets = GenerationalCache<[String], Int64>(limit: Dictionaries.defaultLimit)
    private var endpoints = GenerationalCache<EndpointKey, Int64>(limit: Dictionaries.defaultLimit)
    private var services = GenerationalCache<ServiceFields, Int64>(limit: Dictionaries.defaultLimit)
    private var lists = GenerationalCache<[String], Int64>(limit: Dictionaries.defaultLimit)
    private var traces = GenerationalCache<PolicyLists, Int64>(limit: Dictionaries.defaultLimit / 5)
    private var conns = GenerationalCache<ConnKey, Int64>(limit: Dictionaries.defaultLimit)

    /// Fast paths keyed by the address of an array's storage (``AddressCache``): a hit skips hashing every string.
    private var labelsByAddress = AddressCache<[String]>(limit: Dictionaries.defaultLimit)
    private var listsByAddress = AddressCache<[String]>(limit: Dictionaries.defaultLimit)
    private var tracesByAddress = AddressCache<PolicyLists>(limit: Dictionaries.defaultLimit / 5)
    /// Conn ids by the raw identity of a record's connection fields: the fast path of every line.
    let connsByIdentity = ConnCache()

    /// Entries per cache generation (traces, which are large: a fifth of it). Memory stays bounded whatever the
    /// number of distinct values (months of a collector, or lines that each carry new labels or policies); the
    /// tables stay the truth, and a miss looks the value up by its index.
    static let defaultLimit = 20_000

    var limit = Dictionaries.defaultLimit {
        didSet {
            hosts.limit = limit
            labelSets.limit = limit
            endpoints.limit = limit
            services.limit = limit
            lists.limit = limit
            traces.limit = max(1, limit / 5)
            conns.limit = limit
            labelsByAddress.limit = limit
            listsByAddress.limit = limit
            tracesByAddress.limit = max(1, limit / 5)
        }
    }

    mutating func forget(_ a: Added) {
        connsByIdentity.removeAll()
        labelsByAddress.removeAll()
        listsByAddress.removeAll()
        tracesByAddress.removeAll()
        for k in a.hosts { hosts.remove(k) }
        for k in a.labelSets { labelSets.remove(k) }
        for k in a.endpoints { endpoints.remove(k) }
        for k in a.services { services.remove(k) }
        for k in a.lists { lists.remove(k) }
        for k in a.traces { traces.remove(k) }
        for k in a.conns { conns.remove(k) }
    }

    mutating func host(_ name: String, _ db: Database, _ added: inout Added) throws -> Int64 {
        if let id = hosts.get(name) { return id }
        let id = try Self.findOrInsert(db, table: "host", column: "name", value: name)
        hosts.set(name, id)
        added.hosts.append(name)
        return id
    }

    /// A label set, stored in ``CanonicalOrder`` (whatever order the line gave).
    mutating func labelSet(_ labels: [String], _ db: Database, _ added: inout Added) throws -> Int64 {
        try Self.list(
            labels, &labelsByAddress, &labelSets, &added.labelSets, table: "label_set", column: "labels", db,
            canonical: CanonicalOrder.set)
    }

    /// An ordered list of strings (process arguments), stored as given.
    mutating func stringList(_ items: [String], _ db: Database, _ added: inout Added) throws -> Int64 {
        try Self.list(items, &listsByAddress, &lists, &added.lists, table: "string_list", column: "items", db) { $0 }
    }

    /// A line's `dest_domains`, a set: stored in ``CanonicalOrder``. Shares `string_list` with ordered lists (a row
    /// holds one order of its items, so an ordered list equal to a sorted set is the same row).
    mutating func domains(_ items: [String], _ db: Database, _ added: inout Added) throws -> Int64 {
        let canonical = CanonicalOrder.set(items)
        return try stringList(canonical, db, &added)
    }

    /// The id of a list of strings stored as a JSON array in `table.column`: by storage address, by value, then
    /// from (or into) the table.
    private static func list(
        _ items: [String], _ byAddress: inout AddressCache<[String]>,
        _ byValue: inout GenerationalCache<[String], Int64>, _ added: inout [[String]], table: String, column: String,
        _ db: Database,
        canonical: ([String]) -> [String]
    ) throws -> Int64 {
        let addr = items.storageAddress
        if let id = byAddress.get(items, at: addr) { return id }
        if let id = byValue.get(items) {
            byAddress.set(items, id, at: addr)
            return id
        }
        let id = try findOrInsert(db, table: table, column: column, value: JSONText.array(canonical(items), numeric: false))
        byValue.set(items, id)
        added.append(items)
        return id
    }

    mutating func endpoint(_ e: EndpointFields?, _ db: Database, _ added: inout Added) throws -> Int64? {
        guard let e else { return nil }
        let labelsID = try e.labels.map { try labelSet($0, db, &added) }
        let key = EndpointKey(type: e.type, namespace: e.namespace, nameAggr: e.nameAggr, labelsID: labelsID)
        if let id = endpoints.get(key) { return id }
        let id = try Self.findOrInsert(
            db, table: "endpoint", columns: ["type", "namespace", "name_aggr", "labels_id"],
            [.of(e.type), .of(e.namespace), .of(e.nameAggr), .of(labelsID)])
        endpoints.set(key, id)
        added.endpoints.append(key)
        return id
    }

    mutating func service(_ key: ServiceFields?, _ db: Database, _ added: inout Added) throws -> Int64? {
        guard let key else { return nil }
        if let id = services.get(key) { return id }
        let id = try Self.findOrInsert(
            db, table: "service", columns: ["namespace", "name", "port_name", "port_num"],
            [.of(key.namespace), .of(key.name), .of(key.portName), .of(key.portNum)])
        services.set(key, id)
        added.services.append(key)
        return id
    }

    mutating func conn(_ key: ConnKey, _ db: Database, _ added: inout Added) throws -> Int64 {
        if let id = conns.get(key) { return id }
        let id = try Self.findOrInsert(
            db, table: "conn",
            columns: ["host_id", "src_ep", "dst_ep", "dest_port", "proto", "service_id", "action", "reporter", "trace_id"],
            [
                .of(key.hostID), .of(key.srcEp), .of(key.dstEp), .of(key.destPort), .of(key.proto), .of(key.serviceID),
                .of(key.action), .of(key.reporter), .of(key.traceID),
            ])
        conns.set(key, id)
        added.conns.append(key)
        return id
    }

    mutating func trace(_ p: PolicyLists, _ db: Database, _ added: inout Added) throws -> Int64 {
        let addr = p.storageAddress
        if let id = tracesByAddress.get(p, at: addr) { return id }
        if let id = traces.get(p) {
            tracesByAddress.set(p, id, at: addr)
            return id
        }
        // Stored in index order: the same hits logged in any order are one trace.
        let id = try Self.storeTrace(p.canonical, db)
        traces.set(p, id)
        added.traces.append(p)
        return id
    }

    /// The id of a canonical trace, inserted with its hits if new.
    static func storeTrace(_ c: PolicyLists, _ db: Database) throws -> Int64 {
        let json = StoredJSON.text(of: c)
        if let found = try RawStatement(db, "SELECT id FROM policy_trace WHERE policies = ?", [.text(json)]).firstInt() {
            return found
        }
        try RawStatement(
            db, "INSERT INTO policy_trace (policies, all_view) VALUES (?, ?)",
            [.text(json), .text(JSONText.array(c.allView, numeric: false))]
        ).run()
        let id = db.lastInsertedRowID
        try insertHits(c, traceID: id, db)
        return id
    }

    /// Stores every hit of a new trace, parsed into structure.
    static func insertHits(_ p: PolicyLists, traceID: Int64, _ db: Database) throws {
        let stmt = try db.makeStatement(
            sql: """
                INSERT INTO policy_hit (trace_id, list, position, raw, idx, tier, kind, namespace, name, action,
                    rule_index, staged, end_of_tier, format, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                """)
        for list in TraceList.allCases {
            for (position, raw) in (p[list] ?? []).enumerated() {
                do {
                    let h = try PolicyHit.parse(raw)
                    try stmt.execute(arguments: [
                        traceID, list.rawValue, position, raw, h.index, h.tier, h.kind.rawValue, h.namespace, h.name,
                        h.action.rawValue, h.ruleIndex, h.isStaged, h.isEndOfTier, h.format.rawValue, nil,
                    ])
                } catch {
                    try stmt.execute(arguments: [
                        traceID, list.rawValue, position, raw, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
                        (error as? PolicyHitError)?.reason ?? "\(error)",
                    ])
                }
            }
        }
    }

    private static func findOrInsert(_ db: Database, table: String, column: String, value: String) throws -> Int64 {
        try findOrInsert(db, table: table, columns: [column], [.text(value)])
    }

    /// The id of the row of `table` whose `columns` hold `values` (NULL matching NULL), inserted if missing. Bound
    /// through ``RawStatement``: a text with a NUL is found and stored whole.
    private static func findOrInsert(_ db: Database, table: String, columns: [String], _ values: [SQLValue]) throws -> Int64 {
        let find = "SELECT id FROM \(table) WHERE " + columns.map { "\($0) IS ?" }.joined(separator: " AND ")
        if let id = try RawStatement(db, find, values).firstInt() { return id }
        let insert = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES ("
            + columns.map { _ in "?" }.joined(separator: ",") + ")"
        try RawStatement(db, insert, values).run()
        return db.lastInsertedRowID
    }
}
