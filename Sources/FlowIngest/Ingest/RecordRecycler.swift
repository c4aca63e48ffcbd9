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
final class RecordRecycler: Sendable {
    private let kept = Mutex<[[FlowRecord]]>([])
    /// Batches kept at most.
    let limit: Int

    init(batches limit: Int) { self.limit = limit }

    /// Keeps `records` (a stored batch: no one else holds them, or decoding into them would copy them first)
    /// while there is room.
    func give(_ records: [FlowRecord]) {
        guard !records.isEmpty else { return }
        let dropped: [FlowRecord]? = kept.withLock { k in
            guard k.count < limit else { return records }
            k.append(records)
            return nil
        }
        _ = dropped  // freed here, outside the lock
    }

    /// The records of one kept batch, or none: the caller takes them with `popLast()` and gives back what it did
    /// not use.
    func take() -> [FlowRecord] {
        kept.withLock { $0.popLast() } ?? []
    }
}
