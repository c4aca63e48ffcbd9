import ArgumentParser
import FlowLog
import FlowQuery
import FlowStore
import Foundation

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Filter flows with a Kibana (KQL) query.",
        discussion: """
            Examples:
              flowq query 'policies:{all_policies: *staged\\:default-deny*} and action: "allow"'
              flowq query 'dest_namespace:kube-system and dest_port:53' --count
              flowq query 'action:deny' --group-by source_namespace,dest_namespace
              flowq query 'dest_ip:169.254.0.0/16' --format ndjson --since 2h
            """
    )

    @Argument(help: "The query (KQL; empty matches everything).")
    var query: String = ""

    @Option(help: "The store: a SQLite file, or postgres://user@host:port/db (default: $FLOWQ_DB or ./flowq.db).")
    var db: String = StoreLocation.defaultValue

    @OptionGroup var queryOptions: QueryOptions
    @OptionGroup var window: TimeWindow

    @Option(help: "Comma-separated fields to show (table, csv, json, ndjson).")
    var fields: String?

    @Option(help: "Sort by field[:desc], comma-separated (default: storage order).")
    var sort: String?

    @Option(help: "At most this many rows (0: no limit).")
    var limit: Int = 100

    @Option(help: "Output.")
    var format: RowFormat = .table

    @Flag(help: "Print only the number of matching flows.")
    var count = false

    @Option(help: "Group by fields (comma-separated), with counts and sums of flows, bytes and packets.")
    var groupBy: String?

    @Flag(help: "Keep printing new matching flows as they are stored.")
    var follow = false

    static let defaultFields = [
        "start_time", "host", "source_namespace", "source_name_aggr", "dest_namespace", "dest_name_aggr", "dest_port",
        "proto", "action", "reporter",
    ]

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 (no limit) or more") }
    }

    func run() throws {
        let search = queryOptions.search(query, window: window)
        let now = nowMillis()
        let node = try cliErrors(query) { try search.parse() }
        let predicate = try cliErrors(query) { try search.predicate(node, now: now) }
        let store = try StoreLocation.backend(db).openReader()
        let limit = self.limit > 0 ? self.limit : nil
        // Counts and groups of connection-level fields come from the connections' hourly roll-up (exact: every line
        // of a connection matches or none does); a per-line field or a time bound reads the lines.
        if count {
            print(try store.count(predicate))
            return
        }
        if let groupBy {
            let by = try parseFields(groupBy, flag: "--group-by")
            try printGroups(try store.groups(predicate, by: by, limit: limit), by: by)
            return
        }
        let shown = try fields.map { try parseFields($0, flag: "--fields") }
        let sortFields = try sort.map { try FieldList.sort($0, name: "--sort") } ?? []
        var out = StdoutBuffer()
        let rows = try store.records(predicate, sort: sortFields, limit: limit)
        emit(rows, shown: shown, out: &out, header: true)
        out.flush()
        guard follow else {
            ProcessEnd.keep(rows)
            return
        }
        var last = max(rows.last?.id ?? 0, try store.maxID())
        while true {
            Thread.sleep(forTimeInterval: 1)
            let more = try store.records(predicate, sort: [], limit: nil, afterID: last)
            guard let tail = more.last else { continue }
            last = tail.id
            emit(more, shown: shown, out: &out, header: false)
            out.flush()
        }
    }

    private func emit(_ rows: [StoredRecord], shown: [Field]?, out: inout StdoutBuffer, header: Bool) {
        let records = rows.lazy.map(\.record)
        switch format {
        case .ndjson:
            let encoder = FlowLineEncoder()
            for r in records {
                if let shown { out.line(RecordFormatting.jsonObject(r, fields: shown)) } else { out.record(r, encoder: encoder) }
            }
        case .json:
            let encoder = FlowLineEncoder()
            out.write("[")
            for (i, r) in records.enumerated() {
                out.write(i == 0 ? "\n" : ",\n")
                out.write(RecordFormatting.ndjsonLine(r, fields: shown, encoder: encoder))
            }
            out.line(records.isEmpty ? "]" : "\n]")
        case .csv:
            let cols = shown ?? Self.defaultFields.compactMap(FieldCatalogue.field(named:))
            if header { out.line(cols.map(\.name).joined(separator: ",")) }
            for r in records {
                out.line(cols.map { RecordFormatting.csvCell(RecordFormatting.value(r, $0, humanTime: false)) }.joined(separator: ","))
            }
        default:
            let cols = shown ?? Self.defaultFields.compactMap(FieldCatalogue.field(named:))
            let cells = Array(records.map { r in cols.map { RecordFormatting.value(r, $0, humanTime: true) ?? "" } })
            if header {
                for l in RecordFormatting.table(header: cols.map(\.name), rows: cells, width: Terminal.width) { out.line(l) }
                if rows.count == limit { out.line("(first \(limit) rows; --limit 0 for all, --count to count)") }
            } else {
                for l in RecordFormatting.table(header: cols.map(\.name), rows: cells, width: Terminal.width).dropFirst(2) {
                    out.line(l)
                }
            }
        }
    }

    private func printGroups(_ groups: [GroupRow], by: [Field]) throws {
        let header = by.map(\.name) + ["lines", "num_flows", "bytes", "packets"]
        let rows = groups.map { g in g.keys.map { $0 ?? "" } + [String(g.lines), String(g.flows), String(g.bytes), String(g.packets)] }
        var out = StdoutBuffer()
        switch format {
        case .csv:
            out.line(header.joined(separator: ","))
            for r in rows { out.line(r.map { RecordFormatting.csvCell($0) }.joined(separator: ",")) }
        case .json, .ndjson:
            let objects = groups.map { $0.jsonObject(by: by) }
            if format == .json { out.line("[" + objects.joined(separator: ",\n") + "]") } else { objects.forEach { out.line($0) } }
        default:
            for l in RecordFormatting.table(header: header, rows: rows, width: Terminal.width) { out.line(l) }
        }
        out.flush()
    }
}
