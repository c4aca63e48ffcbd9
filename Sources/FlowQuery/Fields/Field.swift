import FlowLog

/// Which side of a connection an endpoint field belongs to.
public enum Side: String, Sendable {
    case source, dest

    /// The `flow` column referencing the endpoint dictionary.
    var column: String { self == .source ? "src_ep" : "dst_ep" }
    /// The join alias of the endpoint row in read queries.
    var alias: String { self == .source ? "se" : "de" }
    /// The join alias of the label set in read queries.
    var labelsAlias: String { self == .source ? "sl" : "dl" }
}

/// Where a field's value lives in the store.
public enum Storage: Sendable, Equatable {
    /// A column of `flow`.
    case column(String)
    /// A column of the `conn` dictionary (host, endpoints, port, protocol, action, reporter, trace per line).
    case conn(String)
    /// A column of the `endpoint` dictionary, for one side.
    case endpoint(Side, String)
    /// A column of the `service` dictionary.
    case service(String)
    /// The `host` dictionary.
    case host
    /// fluentd's `@timestamp` (ms): the stored value, else `end_time * 1000` as fluentd computes it.
    case timestamp
    /// A label set (JSON array in `label_set`), for one side.
    case labels(Side)
    /// A list of the `policies` object (JSON arrays in `policy_trace`).
    case policies(TraceList)
    /// A JSON array in the `string_list` dictionary referenced by a `flow` column.
    case stringList(String)
    /// A JSON array stored inline in a `flow` column.
    case jsonColumn(String)
    /// A key kept in `flow.extra` (keys the decoder does not know).
    case extra(String)
}

/// A queryable field of the flow-log catalogue.
public struct Field: Sendable, Equatable {
    public var name: String
    public var type: FieldType
    public var storage: Storage
    public var summary: String
    public var example: String

    public init(_ name: String, _ type: FieldType, _ storage: Storage, _ summary: String, example: String) {
        self.name = name
        self.type = type
        self.storage = storage
        self.summary = summary
        self.example = example
    }

    /// Whether the field is the same on every line of a connection (endpoints, port, protocol, action, reporter,
    /// service, host, labels, policies), so that it can be read from `conn` alone.
    public var isConnectionLevel: Bool {
        switch storage {
        case .conn, .endpoint, .service, .host, .labels, .policies: return true
        case .column, .timestamp, .stringList, .jsonColumn, .extra: return false
        }
    }

    /// The SQL expression of the field's value in a read query (joins `se`, `de`, `sl`, `dl`, `sv`, `h`, `dd`,
    /// `pa`, `pt` as in ``FieldCatalogue/readFrom``). Lists are JSON arrays.
    public var valueSQL: String {
        switch storage {
        case .column(let c): return "f.\(c)"
        case .conn(let c): return "c.\(c)"
        case .endpoint(let side, let c): return "\(side.alias).\(c)"
        case .service(let c): return "sv.\(c)"
        case .host: return "h.name"
        case .timestamp: return "COALESCE(f.timestamp_ms, f.end_time * 1000)"
        case .labels(let side): return "\(side.labelsAlias).labels"
        case .policies(let list): return list == .all ? "pt.all_view" : "json_extract(pt.policies, '$.\(list.rawValue)')"
        case .stringList(let c): return c == "domains_id" ? "dd.items" : "pa.items"
        case .jsonColumn(let c): return "f.\(c)"
        case .extra(let key): return "json_extract(f.extra, '$.\"\(key)\"')"
        }
    }
}
