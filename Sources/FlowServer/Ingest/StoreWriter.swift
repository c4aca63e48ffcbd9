import FlowLog
import FlowStore
import Foundation

/// The server's one writer: batches are stored one at a time, each with its checkpoint in the same transaction,
/// so that a batch seen before (same fingerprint, already complete) is recognised and stored nothing twice.
final class StoreWriter: @unchecked Sendable {
    private let store: SQLiteStore
    private let lock = NSLock()
    private let queue = DispatchQueue(label: "flowq.serve.writer")

    init(path: String) throws {
        store = try SQLiteStore(path: path)
    }

    /// What storing a batch did.
    struct Outcome: Sendable {
        var stored: Int
        var rejected: Int
        var duplicate: Bool
    }

    /// Stores `records` and `rejects` under `fingerprint` unless that batch was stored before.
    func store(fingerprint: String, source: String, host: String?, records: [FlowRecord], rejects: Rejects, lines: Int64, bytes: Int64)
        async throws -> Outcome
    {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [self] in
                continuation.resume(with: Result {
                    try lock.withLock {
                        if let seen = try store.checkpoint(fingerprint: fingerprint), seen.complete {
                            return Outcome(stored: 0, rejected: 0, duplicate: true)
                        }
                        try store.append(
                            records: records, host: host, rejects: rejects,
                            checkpoint: Checkpoint(fingerprint: fingerprint, path: source, host: host, offset: bytes, lines: lines, complete: true))
                        return Outcome(stored: records.count, rejected: Int(rejects.total), duplicate: false)
                    }
                })
            }
        }
    }
}
