import ArgumentParser
import FlowLog
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

    /// The search these options, `query` and `window` describe (no window: all time).
    func search(_ query: String, window: TimeWindow? = nil) -> FlowSearch {
        FlowSearch(
            query: query, syntax: syntax, strict: strict, ignoreCase: ignoreCase, since: window?.since,
            until: window?.until, boundNames: ("--since", "--until"))
    }

    /// Parses the query, or prints the error with a caret and exits 2.
    func parse(_ query: String) throws -> QueryNode {
        try cliErrors(query) { try search(query).parse() }
    }

    /// Compiles the query, or prints the error with a caret and exits 2.
    func compile(_ node: QueryNode, query: String) throws -> Filter {
        try cliErrors(query) { try search(query).predicate(node, now: nowMillis()) }
    }
}

/// Runs `body`, turning a query error into the CLI's message with the query and a caret.
func cliErrors<T>(_ query: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as QuerySyntaxError {
        throw queryError(error, query: query)
    }
}

func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

/// `--since`/`--until`: relative (`2h`, `30m`, `7d`) or absolute (epoch seconds, ISO-8601, date math).
struct TimeWindow: ParsableArguments {
    @Option(help: "Only flows that end at or after this time: 2h, 30m, 7d (ago), epoch seconds, ISO-8601, now-1d.")
    var since: String?

    @Option(help: "Only flows that start at or before this time (same forms as --since).")
    var until: String?

    /// The bounds in epoch seconds.
    func bounds() throws -> (since: Int64?, until: Int64?) {
        try FlowSearch(since: since, until: until, boundNames: ("--since", "--until")).bounds(now: nowMillis())
    }
}

/// Parses `a,b,c` into catalogue fields, or fails with a suggestion.
func parseFields(_ list: String, flag: String) throws -> [Field] {
    try FieldList.fields(list, name: flag)
}
