import FlowLog
import FlowPolicy
import FlowQuery
import FlowStore
import Hummingbird

/// What the web page needs beside the query API: `GET /api/v1/histogram` (matching lines over time) and
/// `GET /api/v1/selector` (a Calico selector's canonical form and whether it matches labels, as `flowq selector`).
struct ExploreRoutes {
    let readers: ReaderPool

    /// Bucket lengths the histogram picks from: the smallest that gives at most the buckets asked for.
    static let intervals: [Int64] = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 7 * 86_400]

    func add(to router: Router<ServerContext>) {
        router.get("/api/v1/histogram") { request, _ in
            let p = try SearchParameters(request)
            let node = try p.search.parse()
            let predicate = try p.search.predicate(node, now: p.nowMillis)
            let buckets = Int64(try p.integer("buckets", 1...1000, fallback: 60))
            let (since, until) = try p.search.bounds(now: p.nowMillis)
            func answer(_ from: Int64, _ to: Int64, _ interval: Int64, _ rows: [(Int64, Int64)]) -> Response {
                let items = rows.map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
                return json("{\"from\":\(from),\"to\":\(to),\"interval\":\(interval),\"buckets\":[\(items)]}\n")
            }
            // A query of connection-level fields over all time reads the hourly roll-up (buckets of whole hours).
            if let overConnections = try p.search.connectionPredicate(node, now: p.nowMillis) {
                let result = try await readers.run { store in try store.hourlyHistogramOverConnections(overConnections, buckets: buckets) }
                guard let (from, to, interval, rows) = result else { return answer(0, 0, 3600, []) }
                return answer(from, to, interval, rows)
            }
            let (from, to, interval, rows) = try await readers.run { store -> (Int64, Int64, Int64, [(Int64, Int64)]) in
                let bounds = (since != nil && until != nil) ? nil : try store.timeBounds(predicate)
                guard let from = since ?? bounds?.first, let to = until ?? bounds?.last, to >= from else { return (0, 0, 60, []) }
                let interval = Self.intervals.first { (to - from) / $0 < buckets } ?? Self.intervals.last!
                let start = from / interval * interval
                return (start, to, interval, try store.histogram(predicate, from: start, interval: interval))
            }
            return answer(from, to, interval, rows)
        }
        router.get("/api/v1/selector") { request, _ in
            let p = try SearchParameters(request)
            let text = p.parameters["s"] ?? ""
            let selector: Selector
            do throws(SelectorParser.ParseError) {
                selector = try SelectorParser.parse(text)
            } catch {
                throw Problem(.badRequest, code: error.errorCode, error.message, offset: error.offset)
            }
            let labels = labelDictionary((p.parameters["labels"] ?? "").split(separator: ",").map(String.init))
            let global = try SearchParameters.flag(p.parameters, "global")
            let matches = selector.matches(labels, namespaced: !global)
            return json("{\"canonical\":\(JSONText.string(selector.canonical)),\"matches\":\(matches)}\n")
        }
    }
}
