import FlowLog

/// Which side of a connection an endpoint field belongs to.
public enum Side: String, Sendable {
    case source, dest
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
}
