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
    let cache: AnswerCache

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
        let ndjson = format == "ndjson"
        let contentType = ndjson ? "application/x-ndjson" : "application/json"
        let readers = readers
        @Sendable func rows() async throws -> [FlowRecord] {
            try await readers.run { store in
                try store.records(predicate, sort: sort, limit: limit == 0 ? nil : limit).map(\.record)
            }
        }
        // A page that fits the cache is written whole (and kept); a larger one is streamed in chunks.
        if limit != 0 && limit <= Self.cachedRows {
            return try await cached(p, node, predicate) {
                let rows = try await rows()
                var bytes: [UInt8] = []
                Self.write(rows, 0..<rows.count, ndjson: ndjson, fields: shown, to: &bytes)
                return AnswerCache.Answer(contentType: contentType, body: ByteBuffer(bytes: bytes))
            }
        }
        let all = try await rows()
        let body = ResponseBody { writer in
            var start = 0
            repeat {
                let end = min(start + Self.chunkRows, all.count)
                var bytes: [UInt8] = []
                Self.write(all, start..<end, ndjson: ndjson, fields: shown, to: &bytes)
                try await writer.write(ByteBuffer(bytes: bytes))
                start = end
            } while start < all.count
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: contentType], body: body)
    }

    /// Rows `range` of an answer as NDJSON, or as part of a JSON array (the `[` with the first rows, the `]` with
    /// the last).
    static func write(_ rows: [FlowRecord], _ range: Range<Int>, ndjson: Bool, fields shown: [Field]?, to bytes: inout [UInt8]) {
        let encoder = FlowLineEncoder()
        bytes.reserveCapacity(range.count * 2100 + 4)
        if !ndjson && range.lowerBound == 0 { bytes.append(0x5B) }
        for i in range {
            if !ndjson { bytes.append(contentsOf: i == 0 ? [0x0A] : [0x2C, 0x0A]) }
            if let shown {
                bytes.append(contentsOf: RecordFormatting.jsonObject(rows[i], fields: shown).utf8)
            } else {
                encoder.append(rows[i], to: &bytes)
            }
            if ndjson { bytes.append(0x0A) }
        }
        if !ndjson && range.upperBound == rows.count { bytes.append(contentsOf: Array((rows.isEmpty ? "]\n" : "\n]\n").utf8)) }
    }

    /// Largest page kept in the answer cache (about 2 KB a row).
    static let cachedRows = 10_000

    /// The answer from the cache when the store has not changed since it was computed (`X-Flowq-Cache: hit`), else
    /// computed. A predicate that depends on the time of the request (relative times, date math) is always computed.
    func cached(
        _ p: SearchParameters, _ node: QueryNode, _ predicate: Filter, compute: @escaping @Sendable () async throws -> AnswerCache.Answer
    ) async throws -> Response {
        let later = try p.search.predicate(node, now: p.nowMillis + 2 * 366 * 86_400_000)
        let outcome: AnswerCache.Outcome
        if later == predicate {
            outcome = try await cache.answer(Self.key(p), compute: compute)
        } else {
            outcome = AnswerCache.Outcome(answer: try await compute(), hit: false)
        }
        var headers: HTTPFields = [.contentType: outcome.answer.contentType]
        headers[Self.cacheHeader] = outcome.hit ? "hit" : "miss"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: outcome.answer.body))
    }

    static let cacheHeader = HTTPField.Name("X-Flowq-Cache")!

    /// A request's question: its path and parameters in a canonical order.
    static func key(_ p: SearchParameters) -> String {
        p.path + "\u{0}" + p.parameters.sorted { $0.key < $1.key }.map { $0.key + "\u{1}" + $0.value }.joined(separator: "\u{0}")
    }

    func count(_ request: Request) async throws -> Response {
        let p = try SearchParameters(request)
        let node = try p.search.parse()
        let predicate = try p.search.predicate(node, now: p.nowMillis)
        let readers = readers
        return try await cached(p, node, predicate) {
            let n = try await readers.run { store in try store.count(predicate) }
            return AnswerCache.Answer(contentType: "application/json", body: ByteBuffer(string: "{\"count\":\(n)}\n"))
        }
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
        let readers = readers
        return try await cached(p, node, predicate) {
            let rows = try await readers.run { store in try store.groups(predicate, by: by, limit: limit == 0 ? nil : limit) }
            let fields = JSONText.array(by.map(\.name), numeric: false)
            let text = "{\"by\":\(fields),\"groups\":[" + rows.map { $0.jsonObject(by: by) }.joined(separator: ",\n") + "]}\n"
            return AnswerCache.Answer(contentType: "application/json", body: ByteBuffer(string: text))
        }
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
