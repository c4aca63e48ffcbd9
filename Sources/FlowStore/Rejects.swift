/// The rejected lines of a batch: every one counted by reason, only the first ones of each reason kept whole.
///
/// A file of millions of bad lines (blank lines, a gzip bomb of newlines, another program's log) must neither grow
/// memory nor the database with each of them: the store keeps at most ``keptPerReason`` rows of each reason per
/// file (with place, reason and a prefix of the text) and counts all of them in `reject_count`.
public struct Rejects: Sendable, Hashable, ExpressibleByArrayLiteral {
    /// Rejected lines kept whole (place, reason, text prefix).
    public private(set) var kept: [Reject] = []
    /// Rejected lines by reason code, kept or not.
    public private(set) var counts: [String: Int64] = [:]

    /// Rows of each reason the store keeps per file, over all runs; later rejects of that reason are only counted.
    public static let keptPerReason = 1_000

    public init() {}

    /// Rejects all kept whole (as tests and small batches give them).
    public init(_ list: [Reject]) {
        for r in list { add(r) }
    }

    /// Rejects as another process counted them (a node agent's batch): `kept` whole, `counts` by reason.
    public init(kept: [Reject], counts: [String: Int64]) {
        self.kept = kept
        self.counts = counts
        total = counts.values.reduce(0, +)
    }

    public init(arrayLiteral elements: Reject...) {
        self.init(elements)
    }

    /// All rejected lines of the batch.
    public private(set) var total: Int64 = 0

    public var isEmpty: Bool { total == 0 }

    /// Counts a reject and keeps it whole.
    public mutating func add(_ r: Reject) {
        kept.append(r)
        counts[r.code, default: 0] += 1
        total += 1
    }

    /// Counts a reject of `code` without keeping it (its reason already has enough kept rows).
    public mutating func count(_ code: String) {
        counts[code, default: 0] += 1
        total += 1
    }

    /// Adds another batch's rejects (kept and counted) to these.
    public mutating func merge(_ other: Rejects) {
        kept.append(contentsOf: other.kept)
        counts.merge(other.counts, uniquingKeysWith: +)
        total += other.total
    }
}
