import FlowIngest
import FlowLog
import FlowStore
import Dispatch
import Foundation
import Hummingbird
import NIOCore

/// `POST /api/v1/flows/bulk`: Goldmane's emitter (`PUSH_URL`). The body is NDJSON of Goldmane flows; each becomes
/// a flow-log line. A body is identified by a 128-bit hash of its bytes: Goldmane retries a failed bucket with the
/// same body, and a replay stores nothing twice. A flow that cannot be read is a reject (file `goldmane:<id>`, its
/// line number and byte offset, the reason); the rest of the body is stored.
///
/// A body is stored in parts of ``partLines`` lines, each in its own transaction with the body's checkpoint (its
/// bytes stored so far, like a file's), so that decoding a part overlaps with storing the one before it. A body cut
/// short by a crash is resumed at its checkpoint by Goldmane's retry; a body whose checkpoint is complete is a
/// replay.
struct IngestRoutes {
    let writer: StoreWriter
    /// Lines of a body decoded together and stored in one transaction.
    static let partLines = 2_500

    func add(to router: Router<ServerContext>) {
        router.post("/api/v1/flows/bulk") { request, context in
            let body = try await request.wholeBody(upTo: context.maxUploadSize)
            let p = try SearchParameters(request)
            let host = p.parameters["host"] ?? "goldmane"
            let all = Array(body.readableBytesView)
            let id = all.withUnsafeBufferPointer { Self.bodyID($0) }
            let source = "goldmane:\(id)"
            // A replayed bucket is answered before it is decoded (the writer checks each part again, for two posts
            // at once).
            let seen = try await writer.checkpoint(key: source)
            var outcome = StoreWriter.Outcome.duplicate
            if seen?.complete != true {
                outcome = try await store(all, source: source, host: host, from: seen?.offset ?? 0)
            }
            return json(
                "{\"batch\":\"\(id)\",\"stored\":\(outcome.stored),\"rejected\":\(outcome.rejected),\"duplicate\":\(outcome.duplicate)}\n")
        }
    }

    /// Stores the lines of `all` from byte `from` on, part after part: part k+1 is decoded while part k is stored.
    private func store(_ all: [UInt8], source: String, host: String, from: Int64) async throws -> StoreWriter.Outcome {
        let starts = Self.lineStarts(all)
        var total = StoreWriter.Outcome(stored: 0, rejected: 0, duplicate: true)
        var storing: Task<(StoreWriter.Outcome, [FlowRecord]), any Error>?
        var k = starts.firstIndex { $0 >= from } ?? starts.count
        if all.isEmpty { k = 0 }
        repeat {
            let end = min(k + Self.partLines, starts.count)
            let lines = k..<end
            let (records, rejects) = try await offEventLoop { Self.decode(all, starts, lines, source: source) }
            if let storing { try await Self.finish(storing, into: &total) }
            let part = StoreWriter.Part(
                from: Int64(k < starts.count ? starts[k] : all.count), to: end < starts.count ? Int64(starts[end]) : Int64(all.count),
                lines: Int64(end), complete: end == starts.count)
            storing = Task { [writer] in
                let outcome = try await writer.store(
                    fingerprint: source, source: source, host: host, records: records, rejects: rejects, part: part)
                return (outcome, records)
            }
            k = end
        } while k < starts.count
        if let storing { try await Self.finish(storing, into: &total) }
        return total
    }

    /// Waits for a part to be stored, adds its outcome, and gives its records to be decoded into again.
    private static func finish(_ storing: Task<(StoreWriter.Outcome, [FlowRecord]), any Error>, into total: inout StoreWriter.Outcome)
        async throws
    {
        var (outcome, records) = try await storing.value
        total.add(outcome)
        Decoders.records.give(&records)
    }

    /// Where each line of a body starts (none for an empty body).
    static func lineStarts(_ all: [UInt8]) -> [Int] {
        all.withUnsafeBufferPointer { b in
            guard !b.isEmpty else { return [] }
            var s = [0]
            s.reserveCapacity(b.count / 512)
            var at = 0
            while at < b.count, let nl = memchr(b.baseAddress! + at, 0x0A, b.count - at) {
                let i = b.baseAddress!.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                if i + 1 < b.count { s.append(i + 1) }
                at = i + 1
            }
            return s
        }
    }

    /// The flows of lines `lines` of a body as records, and the lines that are not flows as rejects (with line,
    /// offset and reason). One decoder decodes a part (its pool gives the same objects for the same values body after
    /// body, so the writer's identity cache hits); the parts' pipeline keeps the other core busy storing.
    static func decode(_ all: [UInt8], _ starts: [Int], _ lines: Range<Int>, source: String) -> (records: [FlowRecord], rejects: Rejects) {
        all.withUnsafeBufferPointer { base in
            Decoders.goldmane.with { goldmane in
                var records: [FlowRecord] = []
                records.reserveCapacity(lines.count)
                var rejects = Rejects()
                var spare = Decoders.records.take()
                defer { Decoders.records.give(&spare) }
                for n in lines {
                    let start = starts[n]
                    let end = n + 1 < starts.count ? starts[n + 1] - 1 : (base.last == 0x0A ? base.count - 1 : base.count)
                    let line = UnsafeBufferPointer(rebasing: base[start..<max(start, end)])
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                    if spare.isEmpty { spare = Decoders.records.take() }
                    do throws(DecodeError) {
                        records.append(try goldmane.decode(line, reusing: &spare))
                    } catch {
                        rejects.add(Reject(
                            path: source, line: Int64(n + 1), offset: Int64(start), code: "goldmane.\(error.code.rawValue)",
                            reason: error.message, raw: Array(line.prefix(Reject.maxRawBytes)), rawLength: line.count))
                    }
                }
                return (records, rejects)
            }
        }
    }

    /// Two FNV-1a 64 hashes (different offsets) and the length: a body's identity.
    static func bodyID(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte ^ 0x5A)) &* 0x100_0000_01b3
        }
        func hex(_ v: UInt64) -> String { let s = String(v, radix: 16); return String(repeating: "0", count: 16 - s.count) + s }
        return hex(a) + hex(b) + "-" + String(bytes.count)
    }
}
