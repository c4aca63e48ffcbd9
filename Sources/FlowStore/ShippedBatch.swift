import FlowLog
import Foundation

/// A batch as a node agent (`flowq collect --ship-to`) sends it to `flowq serve`: one JSON header line (the file's
/// checkpoint before and after the batch, the host, the rejects), then the batch's lines as NDJSON, each a flow-log
/// line as Felix writes it (``FlowLineEncoder``), so the server decodes them like any other line.
public struct ShippedBatch: Sendable {
    /// The file's position after the batch (its fingerprint is the agent's; the server keys it by node).
    public var checkpoint: Checkpoint
    /// The file's position before the batch: the server stores the batch only if its own checkpoint is there.
    public var fromOffset: Int64
    public var host: String?
    public var overridingLines: Bool
    public var rejects: Rejects
    /// The records, sent as one flow-log line each.
    public var records: [FlowRecord]

    public init(
        checkpoint: Checkpoint, fromOffset: Int64, host: String?, overridingLines: Bool, rejects: Rejects, records: [FlowRecord]
    ) {
        self.checkpoint = checkpoint
        self.fromOffset = fromOffset
        self.host = host
        self.overridingLines = overridingLines
        self.rejects = rejects
        self.records = records
    }

    struct Header: Codable {
        struct Kept: Codable {
            var path: String
            var line: Int64
            var offset: Int64
            var code: String
            var reason: String
            var raw: Data
            var rawLength: Int
        }
        var fingerprint: String
        var path: String
        var host: String?
        var device: UInt64?
        var inode: UInt64?
        var fromOffset: Int64
        var offset: Int64
        var lines: Int64
        var complete: Bool
        var overridingLines: Bool
        var rejectCounts: [String: Int64]
        var rejects: [Kept]
    }

    /// The body: the header line, then one line per record.
    public func encoded() throws -> Data {
        let c = checkpoint
        let header = Header(
            fingerprint: c.fingerprint, path: c.path, host: host, device: c.device, inode: c.inode, fromOffset: fromOffset,
            offset: c.offset, lines: c.lines, complete: c.complete, overridingLines: overridingLines,
            rejectCounts: rejects.counts,
            rejects: rejects.kept.map {
                Header.Kept(path: $0.path, line: $0.line, offset: $0.offset, code: $0.code, reason: $0.reason, raw: Data($0.raw), rawLength: $0.rawLength)
            })
        var bytes = [UInt8](try JSONEncoder().encode(header))
        bytes.reserveCapacity(bytes.count + records.count * 2100)
        let encoder = FlowLineEncoder()
        for r in records {
            bytes.append(0x0A)
            encoder.append(r, to: &bytes)
        }
        return Data(bytes)
    }

    /// Reads a body: the header, and the byte ranges of the record lines (decoded by the caller).
    public static func decode(_ body: [UInt8]) throws(StoreError) -> (batch: ShippedBatch, lines: [Range<Int>]) {
        let end = body.firstIndex(of: 0x0A) ?? body.count
        let h: Header
        do {
            h = try JSONDecoder().decode(Header.self, from: Data(body[0..<end]))
        } catch {
            throw StoreError(.remote, "the batch's header is not valid: \(error)")
        }
        var ranges: [Range<Int>] = []
        var start = end + 1
        while start < body.count {
            let stop = body[start...].firstIndex(of: 0x0A) ?? body.count
            if stop > start { ranges.append(start..<stop) }
            start = stop + 1
        }
        let kept = h.rejects.map {
            Reject(path: $0.path, line: $0.line, offset: $0.offset, code: $0.code, reason: $0.reason, raw: Array($0.raw), rawLength: $0.rawLength)
        }
        let checkpoint = Checkpoint(
            fingerprint: h.fingerprint, path: h.path, host: h.host, device: h.device, inode: h.inode, offset: h.offset, lines: h.lines,
            complete: h.complete)
        return (
            ShippedBatch(
                checkpoint: checkpoint, fromOffset: h.fromOffset, host: h.host, overridingLines: h.overridingLines,
                rejects: Rejects(kept: kept, counts: h.rejectCounts), records: []),
            ranges
        )
    }
}
