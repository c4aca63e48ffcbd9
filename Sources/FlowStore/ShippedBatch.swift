import Foundation

/// A batch as a node agent (`flowq collect --ship-to`) sends it to `flowq serve`: one JSON header line (the file's
/// checkpoint before and after the batch, the host, the lines rejected before decoding, and the runs of the lines:
/// where in the file each starts), then the lines as the file holds them, undecoded: the server decodes them (once:
/// the agent only frames them) and records the rejects with the agent's file, line numbers and offsets.
public struct ShippedBatch: Sendable {
    /// The file's position after the batch (its fingerprint is the agent's; the server keys it by node).
    public var checkpoint: Checkpoint
    /// The file's position before the batch: the server stores the batch only if its own checkpoint is there.
    public var fromOffset: Int64
    public var host: String?
    public var overridingLines: Bool
    public var rejects: Rejects
    /// The lines, undecoded.
    public var lines: RawLines

    public init(
        checkpoint: Checkpoint, fromOffset: Int64, host: String?, overridingLines: Bool, rejects: Rejects, lines: RawLines
    ) {
        self.checkpoint = checkpoint
        self.fromOffset = fromOffset
        self.host = host
        self.overridingLines = overridingLines
        self.rejects = rejects
        self.lines = lines
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
        var runs: [RawLines.Run]
        var lineCount: Int
    }

    /// The body's first line, ending in a newline: the lines' bytes (``RawLines/bytes``) follow it.
    public func header() throws -> [UInt8] {
        let c = checkpoint
        let header = Header(
            fingerprint: c.fingerprint, path: c.path, host: host, device: c.device, inode: c.inode, fromOffset: fromOffset,
            offset: c.offset, lines: c.lines, complete: c.complete, overridingLines: overridingLines,
            rejectCounts: rejects.counts,
            rejects: rejects.kept.map {
                Header.Kept(path: $0.path, line: $0.line, offset: $0.offset, code: $0.code, reason: $0.reason, raw: Data($0.raw), rawLength: $0.rawLength)
            },
            runs: lines.runs, lineCount: lines.count)
        return [UInt8](try JSONEncoder().encode(header)) + [0x0A]
    }

    /// Reads a body's header: the batch (its lines' runs, without their bytes), and where in `body` the lines start.
    public static func decode(_ body: UnsafeRawBufferPointer) throws(StoreError) -> (batch: ShippedBatch, linesStart: Int) {
        let end = body.firstIndex(of: 0x0A) ?? body.count
        let h: Header
        do {
            h = try JSONDecoder().decode(Header.self, from: Data(body[0..<end]))
        } catch {
            throw StoreError(.remote, "the batch's header is not valid: \(error)")
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
                rejects: Rejects(kept: kept, counts: h.rejectCounts), lines: RawLines(bytes: [], runs: h.runs, count: h.lineCount)),
            min(end + 1, body.count)
        )
    }
}
