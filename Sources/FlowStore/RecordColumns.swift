import FlowLog

/// The columns a read query selects for whole records (join aliases `f`, `c`, `se`, `de`, `sl`, `dl`, `sv`, `h`,
/// `dd`, `pa`, `pt` of the read joins every backend uses), and the record made from one row of them.
public enum RecordColumns {
    public static let textColumns: [(TextKey, String)] = [
        (.sourceIP, "f.source_ip"), (.sourceName, "f.source_name"), (.sourceNameAggr, "se.name_aggr"),
        (.sourceNamespace, "se.namespace"), (.sourceType, "se.type"), (.destIP, "f.dest_ip"),
        (.destName, "f.dest_name"), (.destNameAggr, "de.name_aggr"), (.destNamespace, "de.namespace"),
        (.destType, "de.type"), (.destServiceNamespace, "sv.namespace"), (.destServiceName, "sv.name"),
        (.destServicePort, "sv.port_name"), (.proto, "c.proto"), (.action, "c.action"), (.reporter, "c.reporter"),
        (.processName, "f.process_name"), (.processID, "f.process_id"), (.host, "h.name"), (.cluster, "f.cluster"),
    ]

    public static let intColumns: [(IntKey, String)] =
        [
            (.startTime, "f.start_time"), (.endTime, "f.end_time"), (.sourcePort, "f.source_port"),
            (.destPort, "c.dest_port"), (.destServicePortNum, "sv.port_num"),
        ] + FlowLayout.counters.map { ($0, "f.\($0.column)") }

    public static let listColumns: [(ListKey, String)] = [
        (.natOutgoingPorts, "f.nat_outgoing_ports"), (.destDomains, "dd.items"), (.processArgs, "pa.items"),
        (.originalSourceIPs, "f.original_source_ips"),
    ]

    /// The SELECT list, `f.id` first.
    public static let selectList: String =
        (["f.id"] + textColumns.map(\.1) + intColumns.map(\.1) + listColumns.map(\.1)
            + ["sl.labels", "dl.labels", "pt.policies", "f.extra"]).joined(separator: ", ")

    /// A record from a row selecting ``selectList``: `text(i)` and `int(i)` read column `i` (0 is the id).
    public static func record(text: (Int32) -> String?, int: (Int32) -> Int64?) -> (id: Int64, record: FlowRecord) {
        var r = FlowRecord()
        var i: Int32 = 1
        for (k, _) in textColumns {
            r[k] = text(i)
            i += 1
        }
        for (k, _) in intColumns {
            r[k] = int(i)
            i += 1
        }
        for (k, _) in listColumns {
            r[k] = text(i).flatMap(StoredJSON.strings)
            i += 1
        }
        r.sourceLabels = text(i).flatMap(StoredJSON.strings)
        r.destLabels = text(i + 1).flatMap(StoredJSON.strings)
        r.policies = text(i + 2).flatMap(StoredJSON.policies)
        if let extra = text(i + 3), let members = StoredJSON.members(extra) {
            r.extra = members.map { ExtraField(key: $0.0, rawJSON: $0.1) }
        }
        return (int(0) ?? 0, r)
    }
}
