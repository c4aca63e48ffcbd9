import AsyncHTTPClient
import FlowLog
import FlowStore
import Foundation
import NIOCore
import NIOHTTP1

/// A node agent's store: `flowq serve` over HTTP. The file's checkpoint lives on the server, stored in the same
/// transaction as the batch; the agent asks it where to resume, so either side may restart (or be killed) at any
/// moment and every line is stored once. A batch is acknowledged only when the server answers with its checkpoint;
/// until then the ingestor does not read on (at most its two-batch channel is buffered): backpressure, nothing
/// dropped. A failure is a `store.remote` error: the collector logs it once, backs off and asks again.
public final class ShippingStorage: RawLineWriter, @unchecked Sendable {
    let target: ShipTarget
    /// This agent's node name: the server keys checkpoints by (node, fingerprint).
    let node: String
    /// The server's offset of each file, as last answered.
    private var offsets: [String: Int64] = [:]

    public init(target: ShipTarget, node: String) {
        self.target = target
        self.node = node
    }

    public func checkpoint(fingerprint: String) throws -> Checkpoint? {
        var url = URLComponents(url: target.url.appendingPathComponent("api/v1/checkpoints"), resolvingAgainstBaseURL: false)!
        url.queryItems = [URLQueryItem(name: "node", value: node), URLQueryItem(name: "fingerprint", value: fingerprint)]
        let (status, body) = try send(.GET, url.url!)
        guard status == 200 else { throw refusal(status, body) }
        let answer = try Self.answer(body)
        offsets[fingerprint] = answer?.offset ?? 0
        return answer.map { Checkpoint(fingerprint: fingerprint, path: "", host: nil, offset: $0.offset, lines: $0.lines, complete: $0.complete) }
    }

    /// Ships a batch of lines as the file holds them; the server decodes them and answers with its checkpoint and
    /// the rejects it found.
    public func append(lines: RawLines, host: String?, overridingLines: Bool, rejects: Rejects, checkpoint: Checkpoint) throws
        -> [String: Int64]
    {
        let from = offsets[checkpoint.fingerprint] ?? 0
        let batch = ShippedBatch(
            checkpoint: checkpoint, fromOffset: from, host: host, overridingLines: overridingLines, rejects: rejects, lines: lines)
        let header = try batch.header()
        var body = ByteBuffer()
        body.reserveCapacity(header.count + lines.bytes.count)
        body.writeBytes(header)
        body.writeBytes(lines.bytes)
        var url = URLComponents(url: target.url.appendingPathComponent("api/v1/batches"), resolvingAgainstBaseURL: false)!
        url.queryItems = [URLQueryItem(name: "node", value: node)]
        let (status, answer) = try send(.POST, url.url!, body: body)
        if status == 409 {
            // The server is elsewhere in this file (it restarted from an older backup, or another agent process
            // shipped it): resume from its checkpoint on the next cycle.
            offsets[checkpoint.fingerprint] = nil
            throw StoreError(.remote, "the server's checkpoint of \(checkpoint.path) is not where this batch starts; resuming from it")
        }
        guard status == 200 else { throw refusal(status, answer) }
        offsets[checkpoint.fingerprint] = checkpoint.offset
        return Self.rejected(answer)
    }

    /// Records decoded elsewhere (the ingestor decodes only when it reads files at rest): shipped as the lines
    /// they encode to, which the server decodes back to the same records.
    public func append(records: [FlowRecord], host: String?, overridingLines: Bool, rejects: Rejects, checkpoint: Checkpoint) throws {
        var lines = RawLines()
        var line: [UInt8] = []
        let encoder = FlowLineEncoder()
        var offset = offsets[checkpoint.fingerprint] ?? 0
        for (i, r) in records.enumerated() {
            line.removeAll(keepingCapacity: true)
            encoder.append(r, to: &line)
            line.withUnsafeBufferPointer { lines.append($0, carriageReturn: false, offset: offset, number: Int64(i + 1)) }
            offset += Int64(line.count + 1)
        }
        _ = try append(lines: lines, host: host, overridingLines: overridingLines, rejects: rejects, checkpoint: checkpoint)
    }

    private func refusal(_ status: Int, _ body: [UInt8]) -> StoreError {
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        return StoreError(.remote, "\(target.url.absoluteString) answered \(status): \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    /// The rejects a batch answer counts by reason (`"rejected": {"code": n}`).
    static func rejected(_ body: [UInt8]) -> [String: Int64] {
        guard let o = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let counts = o["rejected"] as? [String: Any]
        else { return [:] }
        return counts.compactMapValues { ($0 as? NSNumber)?.int64Value }
    }

    /// `{"checkpoint": {...} | null}` or a batch answer: the checkpoint's numbers.
    static func answer(_ body: [UInt8]) throws -> (offset: Int64, lines: Int64, complete: Bool)? {
        guard let o = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw StoreError(.remote, "the server's answer is not JSON")
        }
        let c = (o["checkpoint"] as? [String: Any]) ?? (o["offset"] != nil ? o : nil)
        guard let c, let offset = (c["offset"] as? NSNumber)?.int64Value else { return nil }
        return (offset, (c["lines"] as? NSNumber)?.int64Value ?? 0, (c["complete"] as? Bool) ?? false)
    }

    /// One request, synchronously (the ingestor's thread waits: that is the backpressure). AsyncHTTPClient keeps
    /// the connection open between batches and writes a body in a few large writes.
    private func send(_ method: HTTPMethod, _ url: URL, body: ByteBuffer? = nil) throws -> (Int, [UInt8]) {
        var headers = HTTPHeaders()
        if let token = target.token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        if body != nil { headers.add(name: "Content-Type", value: "application/x-ndjson") }
        let response: HTTPClient.Response
        do {
            let request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .byteBuffer($0) })
            let deadline = NIODeadline.now() + .milliseconds(Int64(target.timeout * 1000))
            response = try HTTPClient.shared.execute(request: request, deadline: deadline).wait()
        } catch {
            throw StoreError(.remote, "cannot reach \(target.url.absoluteString): \(error)")
        }
        return (Int(response.status.code), response.body.map { Array($0.readableBytesView) } ?? [])
    }
}
