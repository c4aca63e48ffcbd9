import FlowLog
import Synchronization

/// Records of stored batches, kept to be decoded into again (``FlowLineDecoder/decode(_:into:)``) instead of new
/// ones being made and these freed.
///
/// A new ``FlowRecord`` allocates three arrays through the standard library's unspecialized path (which looks
/// their storage type up in the runtime's metadata cache), and freeing one destroys each element through its
/// type's value witness: about 5,000 instructions a line between the two, where decoding into a kept record
/// costs a pass over its slots (``FlowRecord/reset()``). Bounded: past `limit` batches (each bounded by the
/// batch size of whoever made it), what is given is freed.
public final class RecordRecycler: Sendable {
    private let kept = Mutex<[[FlowRecord]]>([])
    /// Batches kept at most.
    public let limit: Int

    /// A recycler that keeps `limit` batches at most.
    public init(batches limit: Int) { self.limit = limit }

    /// Takes `records` (a stored batch, left empty) to keep them while there is room. They move without a copy, so
    /// once the lock is released no one else holds them (decoding into records still held elsewhere copies them).
    public func give(_ records: inout [FlowRecord]) {
        guard !records.isEmpty else { return }
        var taken: [FlowRecord] = []
        swap(&taken, &records)
        kept.withLock { k in
            guard k.count < limit else { return }
            k.append([])
            swap(&k[k.count - 1], &taken)
        }
        // With no room, `taken` still holds the records: freed here, outside the lock.
    }

    /// The records of one kept batch, or none: the caller takes them with `popLast()` and gives back what it did
    /// not use.
    public func take() -> [FlowRecord] {
        kept.withLock { $0.popLast() } ?? []
    }
}
