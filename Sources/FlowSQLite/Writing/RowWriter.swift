import FlowLog
import FlowStore
import GRDB
import GRDBSQLite

/// What the writer keeps while it inserts one batch of lines: the parameters each insert statement holds, the
/// arena their texts are bound from, the hourly roll-up and the id spans of the batch, and the identity cache.
struct RowWriter: ~Copyable {
    let conns: ConnCache
    /// What the parameters of the multi-row insert hold, and of the one-row insert (see ``BoundParameters``).
    let many: BoundParameters
    let one: BoundParameters
    var arena = TextArena()
    var rollup = Rollup()
    var span = FlowSpan()

    init(conns: ConnCache, many: consuming BoundParameters, one: consuming BoundParameters) {
        self.conns = conns
        self.many = many
        self.one = one
    }

    /// Binds one line's columns to the parameters from `first` on of `s` (the multi-row insert when `multi`).
    /// A parameter is bound only when its value differs from what it holds: that of the line one statement before
    /// (64 lines before in the multi-row insert, the line before in the one-row one). A bind costs about 80
    /// instructions, and half the integers of a line are that line's too: its times, zero counters, null ports
    /// (callgrind: `sqlite3_bind_int64` 94.0M for 200,000 lines with one row a statement, 95.2M with 64).
    mutating func bind(
        _ record: UnsafePointer<FlowRecord>, conn connID: Int64, domains domainsID: Int64?, processArgs processArgsID: Int64?,
        to s: SQLiteStatement, at first: Int32, multi: Bool
    ) {
        if multi {
            Self.bind(record, connID, domainsID, processArgsID, s, first, many, &arena)
        } else {
            Self.bind(record, connID, domainsID, processArgsID, s, first, one, &arena)
        }
    }

    private static func bind(
        _ record: UnsafePointer<FlowRecord>, _ connID: Int64, _ domainsID: Int64?, _ processArgsID: Int64?,
        _ s: SQLiteStatement, _ first: Int32, _ bound: borrowing BoundParameters, _ arena: inout TextArena
    ) {
        var col = first
        @inline(__always) func int(_ v: Int64?) {
            if bound.change(col, to: v) {
                if let v { sqlite3_bind_int64(s, col, v) } else { sqlite3_bind_null(s, col) }
            }
            col += 1
        }
        @inline(__always) func text(_ v: String?) {
            if let v {
                arena.bind(v, to: s, col)
                bound.changeToText(col)
            } else if bound.change(col, to: nil) {
                sqlite3_bind_null(s, col)
            }
            col += 1
        }
        int(record.pointee[.startTime])
        int(record.pointee[.endTime])
        int(connID)
        text(record.pointee[.sourceIP])
        text(record.pointee[.sourceName])
        int(record.pointee[.sourcePort])
        text(record.pointee[.destIP])
        text(record.pointee[.destName])
        int(domainsID)
        text(record.pointee[.natOutgoingPorts].map { JSONText.array($0, numeric: true) })
        text(record.pointee[.processName])
        text(record.pointee[.processID])
        int(processArgsID)
        text(record.pointee[.originalSourceIPs].map { JSONText.array($0, numeric: false) })
        record.pointee.ints.withUnsafeBufferPointer { ints in
            for k in FlowColumns.counterIndexes { int(ints[k]) }
        }
        text(record.pointee[.cluster])
        text(record.pointee.extra.isEmpty ? nil : FlowColumns.extraJSON(record.pointee.extra))
    }
}
