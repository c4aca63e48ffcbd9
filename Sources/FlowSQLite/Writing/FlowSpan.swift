import GRDB

/// The `flow_span` row of one stored batch: its range of flow ids and the bounds of their start and end times.
///
/// Time conditions use spans instead of an index on every line's time (which cost about 10% of ingest): the
/// ids of the lines that can match `start_time >= t` lie between the smallest first id and the largest last id
/// of the spans whose `max_start >= t`, a range SQLite reads directly by rowid (see ``timeRange(_:_:)``).
struct FlowSpan {
    private var first: Int64?
    private var last: Int64 = 0
    private var minStart: Int64?, maxStart: Int64?, minEnd: Int64?, maxEnd: Int64?

    @inline(__always)
    mutating func add(id: Int64, start: Int64?, end: Int64?) {
        if first == nil { first = id }
        last = id
        if let start {
            minStart = min(minStart ?? start, start)
            maxStart = max(maxStart ?? start, start)
        }
        if let end {
            minEnd = min(minEnd ?? end, end)
            maxEnd = max(maxEnd ?? end, end)
        }
    }

    func store(_ db: Database) throws {
        guard let first else { return }
        try db.execute(
            sql: "INSERT INTO flow_span (first_id, last_id, min_start, max_start, min_end, max_end) VALUES (?,?,?,?,?,?)",
            arguments: [first, last, minStart, maxStart, minEnd, maxEnd])
    }
}
