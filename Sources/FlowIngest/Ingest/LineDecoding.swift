import FlowLog
import FlowStore

/// Framed lines into records and rejects: a line that does not decode is rejected with its file, line number,
/// offset and reason, and kept whole while its reason has fewer than ``Rejects/keptPerReason`` kept in this run
/// (past that only counted, so neither memory nor the batches grow with a file of bad lines).
struct LineDecoding {
    let path: String
    let decoder: FlowLineDecoder
    private var keptByReason: [String: Int] = [:]

    init(path: String, decoder: FlowLineDecoder) {
        self.path = path
        self.decoder = decoder
    }

    /// Decodes line `number`, which starts at `offset`, or rejects it into `rejects` (and returns `nil`).
    /// The record is decoded into a record of `spare` when there is one (``RecordDecoding/decode(_:reusing:)``).
    mutating func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, number: Int64, offset: Int64, reusing spare: inout [FlowRecord], rejects: inout Rejects
    ) -> FlowRecord? {
        do {
            return try decoder.decode(bytes, reusing: &spare)
        } catch {
            reject(error, bytes, number: number, offset: offset, into: &rejects)
            return nil
        }
    }

    /// Rejects line `number`, which did not decode.
    private mutating func reject(
        _ error: DecodeError, _ bytes: UnsafeBufferPointer<UInt8>, number: Int64, offset: Int64, into rejects: inout Rejects
    ) {
        let path = path
        reject(error.code.rawValue, into: &rejects) {
            Reject(
                path: path, line: number, offset: offset, code: error.code.rawValue, reason: error.description,
                raw: Array(bytes.prefix(Reject.maxRawBytes)), rawLength: bytes.count)
        }
    }

    /// Rejects line `number`, over the length bound: only its first bytes were kept.
    mutating func overlong(prefix: [UInt8], number: Int64, offset: Int64, length: Int, bound: Int, into rejects: inout Rejects) {
        let path = path
        reject(DecodeError.Code.lineTooLong.rawValue, into: &rejects) {
            Reject(
                path: path, line: number, offset: offset, code: DecodeError.Code.lineTooLong.rawValue,
                reason: "line_too_long: \(length) bytes, over the \(bound)-byte bound", raw: prefix, rawLength: length)
        }
    }

    /// Counts a reject, and keeps it whole while its reason has room in this run.
    mutating func reject(_ code: String, into rejects: inout Rejects, _ make: () -> Reject) {
        let kept = keptByReason[code, default: 0]
        if kept < Rejects.keptPerReason {
            keptByReason[code] = kept + 1
            rejects.add(make())
        } else {
            rejects.count(code)
        }
    }
}
