import FlowIngest
import FlowLog
import FlowStore
import Foundation
import Hummingbird
import NIOCore

/// The node agents' endpoints (`flowq collect --ship-to`): `GET /api/v1/checkpoints` says where the server is in
/// a file, `POST /api/v1/batches` stores a batch with its checkpoint in one transaction. Files are checkpointed
/// under (node, fingerprint), so two nodes' files never share a checkpoint.
struct ShipRoutes {
    let writer: StoreWriter

    func add(to router: Router<ServerContext>) {
        router.get("/api/v1/checkpoints") { request, _ in
            let p = try SearchParameters(request)
            let key = try Self.key(p, fingerprint: p.parameters["fingerprint"])
            return json("{\"checkpoint\":" + Self.checkpointJSON(try await writer.checkpoint(key: key)) + "}\n")
        }
        router.post("/api/v1/batches") { request, context in
            let body = try await request.wholeBody(upTo: context.maxUploadSize)
            let p = try SearchParameters(request)
            let (batch, linesStart) = try body.withUnsafeReadableBytes { bytes throws(StoreError) in try ShippedBatch.decode(bytes) }
            let key = try Self.key(p, fingerprint: batch.checkpoint.fingerprint)
            var (records, found) = try await offEventLoop { try Self.decode(body, from: linesStart, batch) }
            var rejects = batch.rejects
            rejects.merge(found)
            let outcome = try await writer.ship(key: key, batch: batch, records: records, rejects: rejects)
            Decoders.records.give(&records)
            switch outcome {
            case .stored(let checkpoint, let duplicate):
                let rejected = duplicate ? "{}" : Self.countsJSON(found.counts)
                return json("{\"duplicate\":\(duplicate),\"checkpoint\":\(Self.checkpointJSON(checkpoint)),\"rejected\":\(rejected)}\n")
            case .outOfOrder(let checkpoint):
                return json(
                    "{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":409,\"code\":\"ship.out_of_order\","
                        + "\"detail\":\"the batch starts at \(batch.fromOffset); resume from the checkpoint\",\"checkpoint\":\(Self.checkpointJSON(checkpoint))}\n",
                    status: .conflict)
            }
        }
    }

    /// The batch's lines decoded, with the lines that do not decode as rejects of the agent's file.
    static func decode(_ body: ByteBuffer, from start: Int, _ batch: ShippedBatch) throws -> (records: [FlowRecord], rejects: Rejects) {
        try Decoders.lines.with { decoder in
            try body.withUnsafeReadableBytes { bytes in
                // A batch whose runs do not cover its bytes is refused whole (`store.remote`, 400).
                let lines = UnsafeBufferPointer(rebasing: bytes.bindMemory(to: UInt8.self)[start...])
                return try RawLineDecoding.decode(
                    lines, runs: batch.lines.runs, path: batch.checkpoint.path, decoder: decoder, recycler: Decoders.records)
            }
        }
    }

    static func countsJSON(_ counts: [String: Int64]) -> String {
        "{" + counts.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    static func key(_ p: SearchParameters, fingerprint: String?) throws -> String {
        guard let node = p.parameters["node"], !node.isEmpty, !node.contains("/") else {
            throw Problem(.badRequest, code: "api.missing_parameter", "give the agent's node name: node=NAME (no /)")
        }
        guard let fingerprint, !fingerprint.isEmpty else {
            throw Problem(.badRequest, code: "api.missing_parameter", "give the file's fingerprint")
        }
        return "\(node)/\(fingerprint)"
    }

    static func checkpointJSON(_ c: Checkpoint?) -> String {
        guard let c else { return "null" }
        return "{\"offset\":\(c.offset),\"lines\":\(c.lines),\"complete\":\(c.complete)}"
    }
}
