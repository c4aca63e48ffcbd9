import FlowLog
import FlowStore
import Foundation
import HTTPTypes

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

        /// Adds another part's outcome: the body is a duplicate only if every part was.
        mutating func add(_ other: Outcome) {
            stored += other.stored
            rejected += other.rejected
            duplicate = duplicate && other.duplicate
        }
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

    /// A part of a body stored on its own: its bytes, the lines up to its end, and whether it is the last.
    struct Part: Sendable {
        var from: Int64
        var to: Int64
        var lines: Int64
        var complete: Bool
    }

    /// Stores `records` and `rejects`, a part of a body, under `fingerprint` with the body's checkpoint at the
    /// part's end, if the checkpoint is at the part's start; a part the checkpoint has passed was stored before.
    func store(fingerprint: String, source: String, host: String?, records: [FlowRecord], rejects: Rejects, part: Part)
        async throws -> Outcome
    {
        try await serially { store in
            let seen = try store.checkpoint(fingerprint: fingerprint)
            if let seen, seen.complete || (part.to > part.from && seen.offset >= part.to) {
                return Outcome.duplicate
            }
            guard (seen?.offset ?? 0) == part.from else {
                throw Problem(
                    .serviceUnavailable, code: "ingest.body_in_progress",
                    "another post of this body is being stored (at byte \(seen?.offset ?? 0)); retry")
            }
            try store.append(
                records: records, host: host, rejects: rejects,
                checkpoint: Checkpoint(
                    fingerprint: fingerprint, path: source, host: host, offset: part.to, lines: part.lines, complete: part.complete))
            return Outcome(stored: records.count, rejected: Int(rejects.total), duplicate: false)
        }
    }
}
