import FlowLog

/// What ingest needs from a store: checkpoints, and batches stored with their checkpoint in one transaction.
/// Each backend (SQLite, PostgreSQL) implements it; ingest, the collector and the server use only this.
public protocol FlowWriter: AnyObject {
    /// The checkpoint of a file identity, if it was read before.
    func checkpoint(fingerprint: String) throws -> Checkpoint?

    /// Stores a batch of records and rejects, and moves the file's checkpoint, atomically.
    /// - Parameters:
    ///   - records: decoded lines.
    ///   - host: the node that wrote them: for lines without a `host` key, or for all of them with `overridingLines`.
    ///   - rejects: lines that could not be decoded (counted by reason; the first of each reason kept whole).
    ///   - checkpoint: the file's position after this batch.
    func append(records: [FlowRecord], host: String?, overridingLines: Bool, rejects: Rejects, checkpoint: Checkpoint) throws

    /// A description of how the store was replaced or removed under a running writer (the database file deleted or
    /// swapped), or `nil` while it is the one that was opened.
    func identityChange() -> String?
}

extension FlowWriter {
    /// Stores a batch; `host` applies to lines that carry none.
    public func append(records: [FlowRecord], host: String?, rejects: Rejects, checkpoint: Checkpoint) throws {
        try append(records: records, host: host, overridingLines: false, rejects: rejects, checkpoint: checkpoint)
    }

    public func identityChange() -> String? { nil }
}

/// Retention: old lines leave the store in small steps, so that ingest never stalls.
public protocol RetentionStore: AnyObject {
    /// Deletes at most `limit` lines that started before `cutoff` (epoch seconds), with their share of the roll-up;
    /// returns how many went (0: none is left).
    func deleteFlows(startedBefore cutoff: Int64, limit: Int) throws -> Int

    /// Deletes roll-up rows and dictionary rows that only lines before `cutoff` used.
    func deleteRollups(endedBefore cutoff: Int64) throws
}
