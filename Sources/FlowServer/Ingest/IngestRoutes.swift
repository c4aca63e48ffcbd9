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
            let bytes = body.readableBytesView
            let id = Self.bodyID(bytes)
            let source = "goldmane:\(id)"
            let all = Array(bytes)
            let (records, rejects, lineNumber) = try await offEventLoop { Self.decode(all, source: source) }
            let outcome = try await writer.store(
                fingerprint: source, source: source, host: host, records: records, rejects: rejects, lines: lineNumber,
                bytes: Int64(all.count))
            return json(
                "{\"batch\":\"\(id)\",\"stored\":\(outcome.stored),\"rejected\":\(outcome.rejected),\"duplicate\":\(outcome.duplicate)}\n")
        }
    }

    /// The flows of a body as records, and the lines that are not flows as rejects (with line, offset and reason).
    static func decode(_ all: [UInt8], source: String) -> (records: [FlowRecord], rejects: Rejects, lines: Int64) {
        var records: [FlowRecord] = []
        var rejects = Rejects()
        let goldmane = GoldmaneFlowDecoder()
        let lineDecoder = FlowLineDecoder()
        var lineNumber: Int64 = 0
        var offset = 0
        all.withUnsafeBufferPointer { buffer in
            while offset < buffer.count {
                let end = buffer[offset...].firstIndex(of: 0x0A) ?? buffer.count
                let line = UnsafeBufferPointer(rebasing: buffer[offset..<end])
                defer { offset = end + 1 }
                lineNumber += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                do throws(DecodeError) {
                    records.append(try lineDecoder.decode(try goldmane.felixLine(line)))
                } catch {
                    rejects.add(Reject(
                        path: source, line: lineNumber, offset: Int64(offset), code: "goldmane.\(error.code.rawValue)",
                        reason: error.message, raw: Array(line.prefix(Reject.maxRawBytes)), rawLength: line.count))
                }
            }
        }
        return (records, rejects, lineNumber)
    }

    /// Two FNV-1a 64 hashes (different offsets) and the length: a body's identity.
    static func bodyID(_ bytes: some Collection<UInt8>) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte ^ 0x5A)) &* 0x100_0000_01b3
        }
        func hex(_ v: UInt64) -> String { let s = String(v, radix: 16); return String(repeating: "0", count: 16 - s.count) + s }
        return hex(a) + hex(b) + "-" + String(bytes.count)
    }
}
