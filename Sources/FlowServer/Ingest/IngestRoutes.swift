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
struct IngestRoutes {
    let writer: StoreWriter

    func add(to router: Router<ServerContext>) {
        router.post("/api/v1/flows/bulk") { request, context in
            var request = request
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            let p = try SearchParameters(request)
            let host = p.parameters["host"] ?? "goldmane"
            let all = Array(body.readableBytesView)
            let id = all.withUnsafeBufferPointer { Self.bodyID($0) }
            let source = "goldmane:\(id)"
            // A replayed bucket is answered before it is decoded (the writer checks again, for two posts at once).
            let outcome: StoreWriter.Outcome
            if try await writer.checkpoint(key: source)?.complete == true {
                outcome = .duplicate
            } else {
                let (records, rejects, lineNumber) = try await offEventLoop { Self.decode(all, source: source) }
                outcome = try await writer.store(
                    fingerprint: source, source: source, host: host, records: records, rejects: rejects, lines: lineNumber,
                    bytes: Int64(all.count))
            }
            return json(
                "{\"batch\":\"\(id)\",\"stored\":\(outcome.stored),\"rejected\":\(outcome.rejected),\"duplicate\":\(outcome.duplicate)}\n")
        }
    }

    /// The flows of a body as records, and the lines that are not flows as rejects (with line, offset and reason).
    /// Large bodies are decoded in slices on every core, in order.
    static func decode(_ all: [UInt8], source: String) -> (records: [FlowRecord], rejects: Rejects, lines: Int64) {
        // Line starts, then slices of whole lines.
        let starts: [Int] = all.withUnsafeBufferPointer { b in
            var s = [0]
            for i in 0..<b.count where b[i] == 0x0A && i + 1 < b.count { s.append(i + 1) }
            return s
        }
        let sliceLines = 2_000
        let slices = (starts.count + sliceLines - 1) / sliceLines
        let parts = SliceResults(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { k in
            all.withUnsafeBufferPointer { base in Decoders.goldmane.with { goldmane in
                var records: [FlowRecord] = []
                var rejects: [Reject] = []
                for n in (k * sliceLines)..<min((k + 1) * sliceLines, starts.count) {
                    let start = starts[n]
                    let end = n + 1 < starts.count ? starts[n + 1] - 1 : (base.last == 0x0A ? base.count - 1 : base.count)
                    let line = UnsafeBufferPointer(rebasing: base[start..<max(start, end)])
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                    do throws(DecodeError) {
                        records.append(try goldmane.decode(line))
                    } catch {
                        rejects.append(Reject(
                            path: source, line: Int64(n + 1), offset: Int64(start), code: "goldmane.\(error.code.rawValue)",
                            reason: error.message, raw: Array(line.prefix(Reject.maxRawBytes)), rawLength: line.count))
                    }
                }
                parts.set(k, records, rejects)
            } }
        }
        let (records, rejects) = parts.joined()
        return (records, Rejects(rejects), Int64(all.isEmpty ? 0 : starts.count))
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

/// The decoded slices of a body, filled from several threads (each slot by one), read once all are done.
final class SliceResults: @unchecked Sendable {
    private var records: [[FlowRecord]]
    private var rejects: [[Reject]]
    private let lock = NSLock()

    init(count: Int) {
        records = Array(repeating: [], count: count)
        rejects = Array(repeating: [], count: count)
    }

    func set(_ k: Int, _ r: [FlowRecord], _ j: [Reject]) {
        lock.withLock {
            records[k] = r
            rejects[k] = j
        }
    }

    func joined() -> ([FlowRecord], [Reject]) { lock.withLock { (records.flatMap { $0 }, rejects.flatMap { $0 }) } }
}
