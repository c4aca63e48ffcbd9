import FlowLog
import FlowQuery
import FlowStore
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /api/v1/flows`, `/count`, `/groups`, `/fields`, `/explain`: `flowq query`, `fields` and `explain` over HTTP,
/// with the same answers.
struct QueryRoutes {
    let readers: ReaderPool

    /// Rows per NDJSON chunk written to the socket.
    static let chunkRows = 1_000
    static let maxLimit = 1_000_000

    func add(to router: Router<ServerContext>) {
        router.get("/api/v1/flows") { request, _ in try await flows(request) }
        router.get("/api/v1/count") { request, _ in try await count(request) }
        router.get("/api/v1/groups") { request, _ in try await groups(request) }
        router.get("/api/v1/fields") { _, _ in json(FieldCatalogue.json + "\n") }
        router.get("/api/v1/explain") { request, _ in try await explain(request) }
    }

    func flows(_ request: Request) async throws -> Response {
        let p = try SearchParameters(request)
        let node = try p.search.parse()
        let predicate = try p.search.predicate(node, now: p.nowMillis)
        let limit = try p.integer("limit", 0...Self.maxLimit, fallback: 100)
        let shown = try p.parameters["fields"].map { try FieldList.fields($0, name: "fields") }
        let sort = try p.parameters["sort"].map { try FieldList.sort($0, name: "sort") } ?? []
        let format = try p.choice("format", ["ndjson", "json"], fallback: "ndjson")
        let rows = try await readers.run { store in
            try store.records(predicate, sort: sort, limit: limit == 0 ? nil : limit).map(\.record)
        }
        let encoder = FlowLineEncoder()
        let ndjson = format == "ndjson"
        let body = ResponseBody { writer in
            if !ndjson { try await writer.write(ByteBuffer(string: "[")) }
            var start = 0
            while start < rows.count {
                let end = min(start + Self.chunkRows, rows.count)
                var bytes: [UInt8] = []
                bytes.reserveCapacity((end - start) * 2100)
                for i in start..<end {
                    if !ndjson { bytes.append(contentsOf: i == 0 ? [0x0A] : [0x2C, 0x0A]) }
                    if let shown {
                        bytes.append(contentsOf: RecordFormatting.jsonObject(rows[i], fields: shown).utf8)
                    } else {
                        encoder.append(rows[i], to: &bytes)
                    }
                    if ndjson { bytes.append(0x0A) }
                }
                try await writer.write(ByteBuffer(bytes: bytes))
                start = end
            }
            if !ndjson { try await writer.write(ByteBuffer(string: rows.isEmpty ? "]\n" : "\n]\n")) }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: ndjson ? "application/x-ndjson" : "application/json"], body: body)
    }

    func count(_ request: Request) async throws -> Response {
        let p = try SearchParameters(request)
        let node = try p.search.parse()
        let predicate = try p.search.predicate(node, now: p.nowMillis)
        let n = try await readers.run { store in try store.count(predicate) }
        return json("{\"count\":\(n)}\n")
    }

    func groups(_ request: Request) async throws -> Response {
        let p = try SearchParameters(request)
        guard let byText = p.parameters["by"], !byText.isEmpty else {
            throw Problem(.badRequest, code: "api.missing_parameter", "give the fields to group by: by=source_namespace,dest_port")
        }
        let by = try FieldList.fields(byText, name: "by")
        let node = try p.search.parse()
        let limit = try p.integer("limit", 0...Self.maxLimit, fallback: 100)
        let predicate = try p.search.predicate(node, now: p.nowMillis)
        let rows = try await readers.run { store in try store.groups(predicate, by: by, limit: limit == 0 ? nil : limit) }
        let fields = JSONText.array(by.map(\.name), numeric: false)
        return json("{\"by\":\(fields),\"groups\":[" + rows.map { $0.jsonObject(by: by) }.joined(separator: ",\n") + "]}\n")
    }

    func explain(_ request: Request) async throws -> Response {
        let p = try SearchParameters(request)
        let node = try p.search.parse()
        let predicate = try p.search.predicate(node, now: p.nowMillis)
        let plan = try await readers.run { store in store.explain(predicate) }
        let bindings = JSONText.array(plan.bindings, numeric: false)
        return json(
            "{\"ast\":\(node.neutralJSON),\"backend\":\(JSONText.string(plan.backend)),\"sql\":\(JSONText.string(plan.sql)),"
                + "\"bindings\":\(bindings)}\n")
    }
}

/// A JSON response.
func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
}
