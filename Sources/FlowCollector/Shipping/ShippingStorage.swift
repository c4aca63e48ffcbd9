import FlowLog
import FlowStore
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A node agent's store: `flowq serve` over HTTP. The file's checkpoint lives on the server, stored in the same
/// transaction as the batch; the agent asks it where to resume, so either side may restart (or be killed) at any
/// moment and every line is stored once. A batch is acknowledged only when the server answers with its checkpoint;
/// until then the ingestor does not read on (at most its two-batch channel is buffered): backpressure, nothing
/// dropped. A failure is a `store.remote` error: the collector logs it once, backs off and asks again.
public final class ShippingStorage: FlowWriter, @unchecked Sendable {
    let target: ShipTarget
    /// This agent's node name: the server keys checkpoints by (node, fingerprint).
    let node: String
    private let session: URLSession
    /// The server's offset of each file, as last answered.
    private var offsets: [String: Int64] = [:]

    public init(target: ShipTarget, node: String) {
        self.target = target
        self.node = node
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = target.timeout
        config.httpMaximumConnectionsPerHost = 1
        session = URLSession(configuration: config)
    }

    public func checkpoint(fingerprint: String) throws -> Checkpoint? {
        var url = URLComponents(url: target.url.appendingPathComponent("api/v1/checkpoints"), resolvingAgainstBaseURL: false)!
        url.queryItems = [URLQueryItem(name: "node", value: node), URLQueryItem(name: "fingerprint", value: fingerprint)]
        let (status, body) = try send(URLRequest(url: url.url!))
        guard status == 200 else { throw refusal(status, body) }
        let answer = try Self.answer(body)
        offsets[fingerprint] = answer?.offset ?? 0
        return answer.map { Checkpoint(fingerprint: fingerprint, path: "", host: nil, offset: $0.offset, lines: $0.lines, complete: $0.complete) }
    }

    public func append(records: [FlowRecord], host: String?, overridingLines: Bool, rejects: Rejects, checkpoint: Checkpoint) throws {
        let from = offsets[checkpoint.fingerprint] ?? 0
        let batch = ShippedBatch(
            checkpoint: checkpoint, fromOffset: from, host: host, overridingLines: overridingLines, rejects: rejects,
            records: records)
        var url = URLComponents(url: target.url.appendingPathComponent("api/v1/batches"), resolvingAgainstBaseURL: false)!
        url.queryItems = [URLQueryItem(name: "node", value: node)]
        var request = URLRequest(url: url.url!)
        request.httpMethod = "POST"
        request.setValue("application/x-ndjson", forHTTPHeaderField: "Content-Type")
        request.httpBody = try batch.encoded()
        let (status, body) = try send(request)
        if status == 409 {
            // The server is elsewhere in this file (it restarted from an older backup, or another agent process
            // shipped it): resume from its checkpoint on the next cycle.
            offsets[checkpoint.fingerprint] = nil
            throw StoreError(.remote, "the server's checkpoint of \(checkpoint.path) is not where this batch starts; resuming from it")
        }
        guard status == 200 else { throw refusal(status, body) }
        offsets[checkpoint.fingerprint] = checkpoint.offset
    }

    private func refusal(_ status: Int, _ body: Data) -> StoreError {
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        return StoreError(.remote, "\(target.url.absoluteString) answered \(status): \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    /// `{"checkpoint": {...} | null}` or a batch answer: the checkpoint's numbers.
    static func answer(_ body: Data) throws -> (offset: Int64, lines: Int64, complete: Bool)? {
        guard let o = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw StoreError(.remote, "the server's answer is not JSON")
        }
        let c = (o["checkpoint"] as? [String: Any]) ?? (o["offset"] != nil ? o : nil)
        guard let c, let offset = (c["offset"] as? NSNumber)?.int64Value else { return nil }
        return (offset, (c["lines"] as? NSNumber)?.int64Value ?? 0, (c["complete"] as? Bool) ?? false)
    }

    /// One request, synchronously (the ingestor's thread waits: that is the backpressure).
    private func send(_ request: URLRequest) throws -> (Int, Data) {
        var request = request
        if let token = target.token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        session.dataTask(with: request) { data, response, error in
            if let error {
                result.value = .failure(StoreError(.remote, "cannot reach \(self.target.url.absoluteString): \(error.localizedDescription)"))
            } else {
                result.value = .success(((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()))
            }
            done.signal()
        }.resume()
        done.wait()
        return try result.value!.get()
    }
}

/// The answer of a data task, handed from its callback to the waiting thread.
private final class ResultBox: @unchecked Sendable {
    var value: Result<(Int, Data), StoreError>?
}
