import FlowLog
import FlowQuery

/// Where fields live in the SQLite schema: columns, join aliases and value expressions.
extension Side {
    /// The join alias of the endpoint row in read queries.
    var alias: String { self == .source ? "se" : "de" }
    /// The join alias of the label set in read queries.
    var labelsAlias: String { self == .source ? "sl" : "dl" }
}

extension Field {
    /// The SQL expression of the field's value in a read query (joins `se`, `de`, `sl`, `dl`, `sv`, `h`, `dd`,
    /// `pa`, `pt` as in ``ReadJoins/readFrom``). Lists are JSON arrays.
    var valueSQL: String {
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

/// The FROM clauses of read queries.
enum ReadJoins {
    /// The dictionaries of a connection (`c`), joined for its fields' values.
    static let connectionJoins = """
        LEFT JOIN host h ON h.id = c.host_id
        LEFT JOIN endpoint se ON se.id = c.src_ep
        LEFT JOIN label_set sl ON sl.id = se.labels_id
        LEFT JOIN endpoint de ON de.id = c.dst_ep
        LEFT JOIN label_set dl ON dl.id = de.labels_id
        LEFT JOIN service sv ON sv.id = c.service_id
        LEFT JOIN policy_trace pt ON pt.id = c.trace_id
        """

    /// ``readFrom`` without the lines: the connections with their dictionaries (for connection-level fields).
    static let connectionsFrom = "conn c\n" + connectionJoins

    /// The FROM clause of read queries: `flow f` with every dictionary joined under a short alias.
    static let readFrom = "flow f\nJOIN conn c ON c.id = f.conn_id\n" + connectionJoins + """

        LEFT JOIN string_list dd ON dd.id = f.domains_id
        LEFT JOIN string_list pa ON pa.id = f.process_args_id
        """
}
