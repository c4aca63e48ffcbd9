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

    /// Every column of a record, `f.id` first (what a query plan shows; reads select ``lineSelectList`` and
    /// ``connectionSelectList``).
    public static let selectList: String =
        (["f.id"] + textColumns.map(\.1) + intColumns.map(\.1) + listColumns.map(\.1)
            + ["sl.labels", "dl.labels", "pt.policies", "f.extra"]).joined(separator: ", ")
}

/// The same columns split in two, for reads of many lines: a line's own columns (alias `f`, and the string lists
/// joined by the line), and its connection's (every other alias), which many lines share. A reader selects the
/// lines' columns, then each distinct connection's once, and puts them together (``merged(_:_:)``): the
/// dictionaries of a connection are joined and their JSON (labels, the policy trace) parsed once per connection
/// instead of once per line.
extension RecordColumns {
    private static func isLineLevel(_ column: String) -> Bool {
        column.hasPrefix("f.") || column == "dd.items" || column == "pa.items"
    }

    private static let lineTexts = textColumns.filter { isLineLevel($0.1) }
    private static let lineInts = intColumns.filter { isLineLevel($0.1) }
    private static let connectionTexts = textColumns.filter { !isLineLevel($0.1) }
    private static let connectionInts = intColumns.filter { !isLineLevel($0.1) }

    /// The SELECT list of a line's own columns: `f.id`, `f.conn_id`, then the columns ``line(text:int:)`` reads.
    /// Its FROM is ``lineFrom``, or any FROM with those aliases.
    public static let lineSelectList: String =
        (["f.id", "f.conn_id"] + lineTexts.map(\.1) + lineInts.map(\.1) + listColumns.map(\.1) + ["f.extra"])
        .joined(separator: ", ")

    /// The smallest FROM clause for ``lineSelectList``: the line and its two string lists.
    public static let lineFrom =
        "flow f LEFT JOIN string_list dd ON dd.id = f.domains_id LEFT JOIN string_list pa ON pa.id = f.process_args_id"

    /// The SELECT list of a connection's columns (FROM `conn c` with the connection joins): `c.id`, then the
    /// columns ``connection(text:int:)`` reads.
    public static let connectionSelectList: String =
        (["c.id"] + connectionTexts.map(\.1) + connectionInts.map(\.1) + ["sl.labels", "dl.labels", "pt.policies"])
        .joined(separator: ", ")

    /// The line-level part of a record from a row selecting ``lineSelectList``.
    public static func line(text: (Int32) -> String?, int: (Int32) -> Int64?) -> LinePart {
        var r = FlowRecord()
        var i: Int32 = 2
        read(lineTexts, lineInts, at: &i, into: &r, text: text, int: int)
        for (k, _) in listColumns {
            r[k] = text(i).flatMap(StoredJSON.strings)
            i += 1
        }
        if let extra = text(i), let members = StoredJSON.members(extra) {
            r.extra = members.map { ExtraField(key: $0.0, rawJSON: $0.1) }
        }
        return LinePart(id: int(0) ?? 0, connection: int(1) ?? 0, record: r)
    }

    /// The connection-level part of a record from a row selecting ``connectionSelectList``.
    public static func connection(text: (Int32) -> String?, int: (Int32) -> Int64?) -> (id: Int64, record: FlowRecord) {
        var r = FlowRecord()
        var i: Int32 = 1
        read(connectionTexts, connectionInts, at: &i, into: &r, text: text, int: int)
        r.sourceLabels = text(i).flatMap(StoredJSON.strings)
        r.destLabels = text(i + 1).flatMap(StoredJSON.strings)
        r.policies = text(i + 2).flatMap(StoredJSON.policies)
        return (int(0) ?? 0, r)
    }

    /// Reads text columns then integer columns from column `i` on, leaving `i` after them.
    private static func read(
        _ texts: [(TextKey, String)], _ ints: [(IntKey, String)], at i: inout Int32, into r: inout FlowRecord,
        text: (Int32) -> String?, int: (Int32) -> Int64?
    ) {
        for (k, _) in texts {
            r[k] = text(i)
            i += 1
        }
        for (k, _) in ints {
            r[k] = int(i)
            i += 1
        }
    }

    /// A line's own part of a record.
    public struct LinePart: Sendable {
        public var id: Int64
        /// The line's connection (`f.conn_id`).
        public var connection: Int64
        public var record: FlowRecord
    }

    /// The distinct connections of these lines, as SQL lists of at most 1,000 ids (for `c.id IN (…)`).
    public static func connectionIDLists(of lines: [LinePart]) -> [String] {
        var seen = Set<Int64>()
        let distinct = lines.map(\.connection).filter { seen.insert($0).inserted }
        return stride(from: 0, to: distinct.count, by: 1000).map { start in
            distinct[start..<min(start + 1000, distinct.count)].map(String.init).joined(separator: ",")
        }
    }

    /// The whole records of these lines, given their connections' parts by id.
    public static func records(_ lines: consuming [LinePart], connections: [Int64: FlowRecord]) -> [StoredRecord] {
        var lines = lines
        let none = FlowRecord()
        // In place: each line's arrays are its own, so setting the connection's fields copies nothing.
        for i in lines.indices { merge(connections[lines[i].connection] ?? none, into: &lines[i].record) }
        return lines.map { StoredRecord(id: $0.id, record: $0.record) }
    }

    /// Sets a connection's fields of a record from the connection's part.
    static func merge(_ connection: FlowRecord, into r: inout FlowRecord) {
        for (k, _) in connectionTexts { r[k] = connection[k] }
        for (k, _) in connectionInts { r[k] = connection[k] }
        r.sourceLabels = connection.sourceLabels
        r.destLabels = connection.destLabels
        r.policies = connection.policies
    }
}
