import FlowLog
import FlowQuery

/// What queries need from a store: matching lines, counts, groups and time buckets for a ``Filter``.
///
/// A backend implements the primitives; the extension picks between them: a connection-level predicate
/// (``Filter/isConnectionLevel``) is answered from the connections' hourly roll-up, exactly, since every line
/// of a connection matches or none does; any other reads the lines.
public protocol FlowReader: AnyObject, Sendable {
    /// How many lines match, counted line by line.
    func countLines(_ predicate: Filter) throws -> Int64
    /// How many lines match a connection-level predicate, from the roll-up.
    func countOverConnections(_ predicate: Filter) throws -> Int64
    /// Matching lines as records, in storage order (or sorted by the fields, descending where `true`), at most
    /// `limit`, with ids above `afterID`.
    func records(_ predicate: Filter, sort: [(Field, Bool)], limit: Int?, afterID: Int64) throws -> [StoredRecord]
    /// Counts and sums of matching lines grouped by fields, largest first.
    func groupLines(_ predicate: Filter, by fields: [Field], limit: Int?) throws -> [GroupRow]
    /// ``groupLines(_:by:limit:)`` for a connection-level predicate and fields, from the roll-up.
    func groupOverConnections(_ predicate: Filter, by fields: [Field], limit: Int?) throws -> [GroupRow]
    /// The first start and the last end time of the matching lines (epoch seconds), or nil when none match.
    func timeBounds(_ predicate: Filter) throws -> (first: Int64, last: Int64)?
    /// Matching lines per bucket of `interval` seconds by start time, from `from`.
    func lineHistogram(_ predicate: Filter, from: Int64, interval: Int64) throws -> [Histogram.Bucket]
    /// A connection-level predicate's lines per bucket of whole hours (at most `buckets` of them), from the roll-up.
    func hourlyHistogram(_ predicate: Filter, buckets: Int64) throws -> Histogram?
    /// The largest line id (for `--follow`).
    func maxID() throws -> Int64
    /// A value that changes whenever data this reader can see is committed (by any writer, in any process): two
    /// equal values from the same reader mean it would see the same data then. Cheap (one statement), so a
    /// server can keep answers until the store changes.
    func dataVersion() throws -> String
    /// The backend's query for a predicate (SQL and bound values), for `explain`.
    func explain(_ predicate: Filter) -> QueryPlan
    /// Stops the running query of another thread (a timeout).
    func interrupt()
}

/// A stored line and its id (ids grow in storage order).
public struct StoredRecord: Sendable {
    public var id: Int64
    public var record: FlowRecord

    public init(id: Int64, record: FlowRecord) {
        self.id = id
        self.record = record
    }
}

/// What a backend runs for a predicate.
public struct QueryPlan: Sendable, Equatable {
    /// The backend (`sqlite`, `postgres`).
    public var backend: String
    public var sql: String
    /// The bound values, as SQL literals.
    public var bindings: [String]

    public init(backend: String, sql: String, bindings: [String]) {
        (self.backend, self.sql, self.bindings) = (backend, sql, bindings)
    }
}

extension FlowReader {
    /// How many lines match: from the roll-up where the predicate allows it.
    public func count(_ predicate: Filter) throws -> Int64 {
        predicate.isConnectionLevel ? try countOverConnections(predicate) : try countLines(predicate)
    }

    /// Groups of matching lines: from the roll-up where the predicate and the fields allow it.
    public func groups(_ predicate: Filter, by fields: [Field], limit: Int?) throws -> [GroupRow] {
        if predicate.isConnectionLevel && fields.allSatisfy(\.isConnectionLevel) {
            return try groupOverConnections(predicate, by: fields, limit: limit)
        }
        return try groupLines(predicate, by: fields, limit: limit)
    }

    /// Matching lines over time in at most `buckets` buckets, between `since` and `until` where given (else the
    /// matching lines' bounds). A connection-level predicate over all time reads the roll-up (whole hours).
    public func histogram(_ predicate: Filter, buckets: Int64, since: Int64?, until: Int64?) throws -> Histogram {
        if predicate.isConnectionLevel && since == nil && until == nil {
            return try hourlyHistogram(predicate, buckets: buckets) ?? Histogram(from: 0, to: 0, interval: 3600, buckets: [])
        }
        let bounds = (since != nil && until != nil) ? nil : try timeBounds(predicate)
        guard let from = since ?? bounds?.first, let to = until ?? bounds?.last, to >= from else {
            return Histogram(from: 0, to: 0, interval: 60, buckets: [])
        }
        let interval = Histogram.interval(from: from, to: to, buckets: buckets)
        let start = from / interval * interval
        return Histogram(from: start, to: to, interval: interval, buckets: try lineHistogram(predicate, from: start, interval: interval))
    }

    /// Matching lines, unsorted.
    public func records(_ predicate: Filter, limit: Int?, afterID: Int64 = 0) throws -> [StoredRecord] {
        try records(predicate, sort: [], limit: limit, afterID: afterID)
    }

    /// Matching lines.
    public func records(_ predicate: Filter, sort: [(Field, Bool)], limit: Int?) throws -> [StoredRecord] {
        try records(predicate, sort: sort, limit: limit, afterID: 0)
    }
}
