import FlowLog

/// What ingest needs from a store. The SQLite store implements it; a PostgreSQL one can follow.
public protocol FlowStorage: AnyObject {
    /// The checkpoint of a file identity, if it was read before.
    func checkpoint(fingerprint: String) throws -> Checkpoint?

    /// Stores a batch of records and rejects, and moves the file's checkpoint, atomically.
    /// - Parameters:
    ///   - records: decoded lines, with the host that wrote them.
    ///   - rejects: lines that could not be decoded.
    ///   - checkpoint: the file's position after this batch.
    func append(records: [FlowRecord], host: String?, rejects: [Reject], checkpoint: Checkpoint) throws
}
