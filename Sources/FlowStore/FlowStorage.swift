import FlowLog

/// What ingest needs from a store. The SQLite store implements it; a PostgreSQL one can follow.
public protocol FlowStorage: AnyObject {
    /// The checkpoint of a file identity, if it was read before.
    func checkpoint(fingerprint: String) throws -> Checkpoint?

    /// Stores a batch of records and rejects, and moves the file's checkpoint, atomically.
    /// - Parameters:
    ///   - records: decoded lines.
    ///   - host: the node that wrote them: for lines without a `host` key, or for all of them with `overridingLines`.
    ///   - rejects: lines that could not be decoded (counted by reason; the first of each reason kept whole).
    ///   - checkpoint: the file's position after this batch.
    func append(records: [FlowRecord], host: String?, overridingLines: Bool, rejects: Rejects, checkpoint: Checkpoint) throws
}

extension FlowStorage {
    /// Stores a batch; `host` applies to lines that carry none.
    public func append(records: [FlowRecord], host: String?, rejects: Rejects, checkpoint: Checkpoint) throws {
        try append(records: records, host: host, overridingLines: false, rejects: rejects, checkpoint: checkpoint)
    }
}
