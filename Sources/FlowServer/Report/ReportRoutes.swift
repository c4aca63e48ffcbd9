import FlowLog
import FlowPolicy
import FlowQuery
import FlowReport
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /api/v1/report` and `POST /api/v1/simulate`: `flowq report` and `flowq simulate` over HTTP. The verdict is
/// in the body (and in `X-Flowq-Verdict`); the status is 200 whatever it is, since the request itself succeeded.
struct ReportRoutes {
    let readers: ReaderPool
    /// Largest policy YAML accepted by `POST /api/v1/simulate`.
    static let maxPolicyBytes = 16 << 20

    func add(to router: Router<ServerContext>) {
        router.get("/api/v1/report") { request, _ in
            let p = try SearchParameters(request)
            let options = try Self.options(p)
            return try await render(p, options)
        }
        router.post("/api/v1/simulate") { request, context in
            let p = try SearchParameters(request)
            var request = request
            let body = try await request.collectBody(upTo: Self.maxPolicyBytes)
            var loader = PolicyLoader()
            try loader.load(yaml: String(buffer: body), file: "request body")
            var options = try Self.options(p)
            options.simulate(loader.set, enforcing: Self.policies(p), keepFailsafes: false)
            if !p.search.query.isEmpty { options.filter = try p.search.predicate(try p.search.parse(), now: p.nowMillis) }
            return try await render(p, options)
        }
    }

    /// The `policy` parameter: comma-separated staged policy names (`*` wildcards).
    static func policies(_ p: SearchParameters) -> [String] {
        (p.parameters["policy"] ?? p.parameters["enforce"] ?? "").split(separator: ",").map(String.init)
    }

    static func options(_ p: SearchParameters) throws -> ReadinessOptions {
        let now = p.nowMillis
        let minWindow: Double
        if let text = p.parameters["min_window"] {
            guard let length = TimeLength(parsing: text) else {
                throw Problem(.badRequest, code: "api.bad_parameter", "min_window must be a length such as 24h or 30m")
            }
            minWindow = length.hours
        } else {
            minWindow = 24
        }
        let names = policies(p)
        var o = ReadinessOptions(
            minimumWindowHours: minWindow, enforcing: names.isEmpty ? nil : StagedSelection(names), now: now / 1000)
        (o.since, o.until) = try p.search.bounds(now: now)
        return o
    }

    func render(_ p: SearchParameters, _ options: ReadinessOptions) async throws -> Response {
        let format = try p.choice("format", ["json", "md", "html"], fallback: "json")
        let report = try await readers.run { store in try ReadinessAnalyzer(store: store, options: options).run() }
        let text: String
        let type: String
        switch format {
        case "md": (text, type) = (MarkdownRenderer.render(report), "text/markdown; charset=utf-8")
        case "html": (text, type) = (HTMLRenderer.render(report), "text/html; charset=utf-8")
        default: (text, type) = (try JSONRenderer.render(report), "application/json")
        }
        var headers: HTTPFields = [.contentType: type]
        headers[HTTPField.Name("X-Flowq-Verdict")!] = report.verdict.rawValue
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
