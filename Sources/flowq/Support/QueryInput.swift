import ArgumentParser
import FlowQuery
import Foundation

/// The options every command that takes a query shares.
struct QueryOptions: ParsableArguments {
    @Option(help: "Query syntax.")
    var syntax: QuerySyntax = .kql

    @Flag(help: "Accept exactly what Kibana accepts (turns off flowq's extensions).")
    var strict = false

    @Flag(help: "Match keyword values ignoring case.")
    var ignoreCase = false

    /// Parses the query, or prints the error with a caret and exits 2.
    func parse(_ query: String) throws -> QueryNode {
        do {
            return try syntax.parse(query, strict: strict)
        } catch {
            throw queryError(error, query: query)
        }
    }

    /// Compiles the query, or prints the error with a caret and exits 2.
    func compile(_ node: QueryNode, query: String) throws -> SQLFragment {
        do {
            return try QueryCompiler.compile(node, options: .init(ignoreCase: ignoreCase, now: nowMillis()))
        } catch {
            throw queryError(error, query: query)
        }
    }
}

extension QueryOptions {
    /// The query over connections (see ``QueryCompiler/compileForConnections(_:options:)``), or `nil`.
    func compileForConnections(_ node: QueryNode, query: String) throws -> SQLFragment? {
        do {
            return try QueryCompiler.compileForConnections(node, options: .init(ignoreCase: ignoreCase, now: nowMillis()))
        } catch {
            throw queryError(error, query: query)
        }
    }
}

func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

/// `--since`/`--until`: relative (`2h`, `30m`, `7d`) or absolute (epoch seconds, ISO-8601, date math).
struct TimeWindow: ParsableArguments {
    @Option(help: "Only flows that end at or after this time: 2h, 30m, 7d (ago), epoch seconds, ISO-8601, now-1d.")
    var since: String?

    @Option(help: "Only flows that start at or before this time (same forms as --since).")
    var until: String?

    /// No `--since` and no `--until`.
    var isUnbounded: Bool { since == nil && until == nil }

    /// The predicate on `flow f`, or nil without bounds.
    func predicate() throws -> SQLFragment? {
        SQLFragment.all([
            try since.map { TimeSpan.condition(.end, ">=", try Self.seconds($0, roundUp: false, flag: "--since")) },
            try until.map { TimeSpan.condition(.start, "<=", try Self.seconds($0, roundUp: true, flag: "--until")) },
        ])
    }

    static func seconds(_ text: String, roundUp: Bool, flag: String) throws -> Int64 {
        let now = nowMillis()
        if let ago = TimeLength(argument: text) { return now / 1000 - ago.seconds }
        guard let ms = DateMath.parse(text, now: now, roundUp: roundUp, epochUnitMillis: 1000) else {
            throw fail("\(flag) \"\(text)\" is not a time: use 2h, 30m, 7d, epoch seconds, ISO-8601 or now-1d")
        }
        return ms / 1000
    }
}

/// Parses `a,b,c` into catalogue fields, or fails with a suggestion.
func parseFields(_ list: String, flag: String) throws -> [Field] {
    try list.split(separator: ",").map { name in
        let n = name.trimmingCharacters(in: .whitespaces)
        guard let f = FieldCatalogue.field(named: n) else {
            let s = FieldCatalogue.suggestions(for: n)
            throw fail("\(flag): unknown field \(n)" + (s.isEmpty ? "" : "; did you mean \(s.joined(separator: " or "))?"))
        }
        return f
    }
}
