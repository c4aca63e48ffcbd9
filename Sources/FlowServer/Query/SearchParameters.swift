import FlowQuery
import Foundation
import Hummingbird

/// The query parameters every search endpoint shares: `q`, `syntax`, `strict`, `ignore_case`, `since`, `until`.
struct SearchParameters {
    var search: FlowSearch
    var parameters: [String: String]
    /// The request's path (the endpoint).
    let path: String
    /// "now" for the whole request (relative times and date math), in milliseconds: every predicate of one request
    /// sees the same instant.
    let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)

    init(_ request: Request) throws {
        var parameters: [String: String] = [:]
        for (k, v) in request.uri.queryParameters {
            let key = String(k).removingPercentEncoding ?? String(k)
            let value = String(v).replacingOccurrences(of: "+", with: " ")
            parameters[key] = value.removingPercentEncoding ?? value
        }
        self.parameters = parameters
        path = request.uri.path
        var syntax = QuerySyntax.kql
        if let s = parameters["syntax"] {
            guard let parsed = QuerySyntax(rawValue: s.lowercased()) else {
                throw Problem(.badRequest, code: "api.bad_parameter", "syntax must be kql or lucene, not \"\(s)\"")
            }
            syntax = parsed
        }
        search = FlowSearch(
            query: parameters["q"] ?? "", syntax: syntax, strict: try Self.flag(parameters, "strict"),
            ignoreCase: try Self.flag(parameters, "ignore_case"), since: parameters["since"], until: parameters["until"])
    }

    static func flag(_ p: [String: String], _ name: String) throws -> Bool {
        switch p[name]?.lowercased() {
        case nil, "false", "0": return false
        case "", "true", "1": return true
        case let other?: throw Problem(.badRequest, code: "api.bad_parameter", "\(name) must be true or false, not \"\(other)\"")
        }
    }

    /// An integer parameter within `range`, or `fallback` when absent.
    func integer(_ name: String, _ range: ClosedRange<Int>, fallback: Int) throws -> Int {
        guard let text = parameters[name] else { return fallback }
        guard let v = Int(text), range.contains(v) else {
            throw Problem(.badRequest, code: "api.bad_parameter", "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    /// One of the `allowed` values, or `fallback`.
    func choice(_ name: String, _ allowed: [String], fallback: String) throws -> String {
        guard let v = parameters[name] else { return fallback }
        guard allowed.contains(v) else {
            throw Problem(.badRequest, code: "api.bad_parameter", "\(name) must be one of \(allowed.joined(separator: ", ")), not \"\(v)\"")
        }
        return v
    }
}
