/// A decoder of one JSON object (a flow-log line, a Goldmane flow) into a ``FlowRecord``: into a new record, or into
/// a kept one decoded into again instead of a new one being made.
public protocol RecordDecoding {
    /// Decodes `bytes` into `record`, whose every key is absent.
    func fill(_ record: inout FlowRecord, from bytes: UnsafeBufferPointer<UInt8>) throws(DecodeError)
}

extension RecordDecoding {
    /// The record of `bytes` (one line or flow, without its newline).
    @inlinable
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(DecodeError) -> FlowRecord {
        var record = FlowRecord()
        try fill(&record, from: bytes)
        return record
    }

    /// Decodes `bytes` into `record`, which is ``FlowRecord/reset()`` first (a record of a stored batch is decoded
    /// into again instead of a new one being made). On an error `record` holds part of the value.
    @inlinable
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>, into record: inout FlowRecord) throws(DecodeError) {
        record.reset()
        try fill(&record, from: bytes)
    }

    /// The record of `bytes`, decoded into the last record of `spare` (records of stored batches, decoded into
    /// again) when there is one, else into a new one (no reset to pay). When `bytes` does not decode, the spare
    /// record goes back to `spare`.
    @inlinable
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>, reusing spare: inout [FlowRecord]) throws(DecodeError) -> FlowRecord {
        guard var record = spare.popLast() else { return try decode(bytes) }
        do throws(DecodeError) {
            try decode(bytes, into: &record)
        } catch {
            spare.append(consume record)
            throw error
        }
        return record
    }
}
