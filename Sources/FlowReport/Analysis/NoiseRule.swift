import FlowQuery
import Foundation

/// Traffic that is expected to be denied: a KQL query and the reason.
public struct NoiseRule: Sendable, Equatable {
    public var query: String
    public var reason: String

    public init(query: String, reason: String) {
        self.query = query
        self.reason = reason
    }

    /// Built in: the cloud instance metadata service. NodeLocal DNS (169.254.20.10) is legitimate and not here.
    public static let builtIn: [NoiseRule] = [
        NoiseRule(
            query: #"dest_ip:169.254.169.254 or dest_ip:"fd00:ec2::254""#,
            reason: "cloud instance metadata service (169.254.169.254): nodes and pods rarely need it, and denying it is a common hardening step"),
    ]

    /// Reads a YAML list of `{query, reason}` (or `{rules: [...]}`), checking that each query parses.
    public static func load(yaml text: String, file: String) throws -> [NoiseRule] {
        let doc = try YAMLDocuments.load(text, file: file).first
        let list = (doc as? [Any]) ?? ((doc as? [String: Any])?["rules"] as? [Any])
        guard let list else { throw ReportError(.badInput, "\(file): expected a list of {query, reason}") }
        return try list.enumerated().map { i, item in
            guard let m = item as? [String: Any], let q = m["query"] as? String, let r = m["reason"] as? String else {
                throw ReportError(.badInput, "\(file): entry \(i + 1) needs `query` and `reason` strings")
            }
            do {
                // Parsed and compiled now, so a value of the wrong type (`dest_port:abc`) is reported with the file.
                _ = try NoiseRule(query: q, reason: r).predicate(now: 0)
            } catch let e as QuerySyntaxError {
                throw ReportError(.badInput, "\(file): entry \(i + 1): " + e.render(query: q))
            }
            return NoiseRule(query: q, reason: r)
        }
    }

    /// The rule's query as a predicate; `now` in Unix seconds.
    func predicate(now: Int64) throws -> Filter {
        try FilterBuilder.build(try KQLParser.parse(query), options: .init(now: now * 1000))
    }
}
