import FlowLog

/// The columns of a stored line (the `flow` table of every backend), in insert order.
public enum FlowLayout {
    /// The integer keys stored as plain columns (times, ports and `dest_service_port_num` live elsewhere).
    public static let counters: [IntKey] = IntKey.allCases.filter {
        ![.startTime, .endTime, .sourcePort, .destPort, .destServicePortNum].contains($0)
    }

    /// ``counters`` as indexes into ``FlowRecord/ints``.
    public static let counterIndexes: [Int] = counters.map(\.rawValue)

    public static let names: [String] =
        [
            "start_time", "end_time", "conn_id", "source_ip", "source_name", "source_port", "dest_ip", "dest_name",
            "domains_id", "nat_outgoing_ports", "process_name", "process_id", "process_args_id", "original_source_ips",
        ] + counters.map(\.column) + ["cluster", "extra"]

    public static func extraJSON(_ extra: [ExtraField]) -> String {
        var out = "{"
        for (i, e) in extra.enumerated() {
            if i > 0 { out += "," }
            JSONText.appendString(e.key, to: &out)
            out += ":"
            out += e.rawJSON
        }
        return out + "}"
    }
}
