import FlowLog
import FlowPolicy
import FlowQuery
import FlowStore
import Hummingbird

/// What the web page needs beside the query API: `GET /api/v1/histogram` (matching lines over time) and
/// `GET /api/v1/selector` (a Calico selector's canonical form and whether it matches labels, as `flowq selector`).
struct ExploreRoutes {
    let readers: ReaderPool

    func add(to router: Router<ServerContext>) {
        router.get("/api/v1/histogram") { request, _ in
            let p = try SearchParameters(request)
            let node = try p.search.parse()
            let predicate = try p.search.predicate(node, now: p.nowMillis)
            let buckets = Int64(try p.integer("buckets", 1...1000, fallback: 60))
            let (since, until) = try p.search.bounds(now: p.nowMillis)
            let h = try await readers.run { store in try store.histogram(predicate, buckets: buckets, since: since, until: until) }
            let items = h.buckets.map { "[\($0.start),\($0.lines)]" }.joined(separator: ",")
            return json("{\"from\":\(h.from),\"to\":\(h.to),\"interval\":\(h.interval),\"buckets\":[\(items)]}\n")
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
