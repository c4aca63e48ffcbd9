import FlowLog
import FlowStore
import Foundation

/// The server's one writer: batches are stored one at a time (on one serial queue, which also keeps the store's
/// caches to one thread), each with its checkpoint in the same transaction, so that a batch seen before (same
/// fingerprint, already complete) is recognised and stored nothing twice.
final class StoreWriter: @unchecked Sendable {
    private let store: any WritableStore
    private let queue = DispatchQueue(label: "flowq.serve.writer")

    /// Runs `body` on the writer's queue, after every batch before it.
    private func serially<T: Sendable>(_ body: @escaping @Sendable (any WritableStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [store] in continuation.resume(with: Result { try body(store) }) }
        }
    }

    init(backend: any StoreBackend) throws {
        store = try backend.openWriter()
    }

    /// What storing a batch did.
    struct Outcome: Sendable {
        var stored: Int
        var rejected: Int
        var duplicate: Bool

        /// A batch stored before: nothing stored now.
        static let duplicate = Outcome(stored: 0, rejected: 0, duplicate: true)
    }

    /// What a node agent's batch did: the server's checkpoint of the file after it.
    enum ShipOutcome: Sendable {
        /// Stored now, or stored before (a retry): the checkpoint is at or past the batch's end.
        case stored(Checkpoint, duplicate: Bool)
        /// The batch does not start where the server's checkpoint is: the agent resumes from the checkpoint.
        case outOfOrder(Checkpoint?)
    }

    /// Stores an agent's batch under `key` (node and fingerprint) if it starts at the server's checkpoint, in one
    /// transaction with the checkpoint; a batch whose end the checkpoint already passed is a duplicate.
    func ship(key: String, batch: ShippedBatch, records: [FlowRecord], rejects: Rejects) async throws -> ShipOutcome {
        try await serially { store in
            let stored = try store.checkpoint(fingerprint: key)
            let at = stored?.offset ?? 0
            if at != batch.fromOffset {
                // Stored before (the agent retried after a lost answer), or out of order.
                if let stored, at >= batch.checkpoint.offset { return .stored(stored, duplicate: true) }
                return .outOfOrder(stored)
            }
            var checkpoint = batch.checkpoint
            checkpoint.fingerprint = key
            try store.append(
                records: records, host: batch.host, overridingLines: batch.overridingLines, rejects: rejects, checkpoint: checkpoint)
            return .stored(checkpoint, duplicate: false)
        }
    }

    /// The server's checkpoint of an agent's file.
    func checkpoint(key: String) async throws -> Checkpoint? {
        try await serially { store in try store.checkpoint(fingerprint: key) }
    }

    /// Stores `records` and `rejects` under `fingerprint` unless that batch was stored before.
    func store(fingerprint: String, source: String, host: String?, records: [FlowRecord], rejects: Rejects, lines: Int64, bytes: Int64)
        async throws -> Outcome
    {
        try await serially { store in
            if let seen = try store.checkpoint(fingerprint: fingerprint), seen.complete { return Outcome.duplicate }
            try store.append(
                records: records, host: host, rejects: rejects,
                checkpoint: Checkpoint(fingerprint: fingerprint, path: source, host: host, offset: bytes, lines: lines, complete: true))
            return Outcome(stored: records.count, rejected: Int(rejects.total), duplicate: false)
        }
    }
}
