import FlowQuery

/// Pieces of the report's reads that both backends' SQL dialects write the same way.
public enum ReadinessSQL {
    /// `(1,2,3)`: ids in ascending order.
    public static func idList(_ ids: some Sequence<Int64>) -> String { "(" + ids.sorted().map(String.init).joined(separator: ",") + ")" }

    /// `CASE` expressions giving the address of `net` sources and destinations of `flow f` (networks are told apart
    /// by it), NULL for other lines.
    public static func netAddressColumns(_ nets: NetEndpoints) -> (source: String, dest: String) {
        func list(_ ids: Set<Int64>) -> String { ids.isEmpty ? "(NULL)" : idList(ids) }
        return ("CASE WHEN f.conn_id IN \(list(nets.sourceConnections)) THEN f.source_ip END",
                "CASE WHEN f.conn_id IN \(list(nets.destConnections)) THEN f.dest_ip END")
    }
}

extension ReadWindow {
    /// The window as a predicate on the lines' start times.
    public var startTimeFilter: Filter {
        let start = FieldCatalogue.field(named: "start_time")!
        return Filter.always
            .and(since.map { .test(start, .compare(.gte, .int($0))) })
            .and(until.map { .test(start, .compare(.lte, .int($0))) })
    }
}
