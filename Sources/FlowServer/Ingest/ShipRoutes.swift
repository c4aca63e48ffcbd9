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
            var request = request
            let body = Array((try await request.collectBody(upTo: context.maxUploadSize)).readableBytesView)
            let p = try SearchParameters(request)
            let (batch, ranges) = try ShippedBatch.decode(body)
            let key = try Self.key(p, fingerprint: batch.checkpoint.fingerprint)
            let records = try await offEventLoop { try Self.records(body, ranges) }
            switch try await writer.ship(key: key, batch: batch, records: records, rejects: batch.rejects) {
            case .stored(let checkpoint, let duplicate):
                return json("{\"duplicate\":\(duplicate),\"checkpoint\":\(Self.checkpointJSON(checkpoint))}\n")
            case .outOfOrder(let checkpoint):
                return json(
                    "{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":409,\"code\":\"ship.out_of_order\","
                        + "\"detail\":\"the batch starts at \(batch.fromOffset); resume from the checkpoint\",\"checkpoint\":\(Self.checkpointJSON(checkpoint))}\n",
                    status: .conflict)
            }
        }
    }

    /// The batch's lines decoded; an agent sends only lines it decoded itself, so one that fails is a bad batch.
    static func records(_ body: [UInt8], _ ranges: [Range<Int>]) throws -> [FlowRecord] {
        try Decoders.lines.with { decoder in try records(body, ranges, decoder) }
    }

    private static func records(_ body: [UInt8], _ ranges: [Range<Int>], _ decoder: FlowLineDecoder) throws -> [FlowRecord] {
        var records: [FlowRecord] = []
        records.reserveCapacity(ranges.count)
        try body.withUnsafeBufferPointer { buffer in
            for r in ranges {
                do {
                    records.append(try decoder.decode(UnsafeBufferPointer(rebasing: buffer[r])))
                } catch {
                    throw Problem(.badRequest, code: "ship.bad_line", "line \(records.count + 1) of the batch: \(error)")
                }
            }
        }
        return records
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
