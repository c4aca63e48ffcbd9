import FlowLog

/// One search over the stored flows, as the CLI and the HTTP API take it: the query text, its syntax and options,
/// and the time window. Parses and compiles to the store's predicates in one place.
public struct FlowSearch: Sendable {
    /// The query (KQL by default; empty matches everything).
    public var query: String
    public var syntax: QuerySyntax
    /// Accept exactly what Kibana accepts.
    public var strict: Bool
    /// Match keyword values ignoring case.
    public var ignoreCase: Bool
    /// Flows that end at or after this time: `2h` (ago), epoch seconds, ISO-8601, date math (`now-1d`).
    public var since: String?
    /// Flows that start at or before this time (same forms).
    public var until: String?
    /// What the window's bounds are called where they were given (`--since` on the command line, `since` in a URL).
    public var boundNames: (since: String, until: String)

    public init(
        query: String = "", syntax: QuerySyntax = .kql, strict: Bool = false, ignoreCase: Bool = false,
        since: String? = nil, until: String? = nil, boundNames: (since: String, until: String) = ("since", "until")
    ) {
        self.query = query
        self.syntax = syntax
        self.strict = strict
        self.ignoreCase = ignoreCase
        self.since = since
        self.until = until
        self.boundNames = boundNames
    }

    /// No lower and no upper time bound.
    public var isUnbounded: Bool { since == nil && until == nil }

    /// The query's syntax tree.
    public func parse() throws(QuerySyntaxError) -> QueryNode {
        try syntax.parse(query, strict: strict)
    }

    /// The predicate: the query and the window. `now` is in milliseconds. A store answers it from its
    /// connections' roll-up when it reads only connection-level fields (``Filter/isConnectionLevel``): a window
    /// reads the lines' times, so a bounded search never does.
    public func predicate(_ node: QueryNode, now: Int64) throws -> Filter {
        try FilterBuilder.build(node, options: .init(ignoreCase: ignoreCase, now: now)).and(try window(now: now))
    }

    /// The window alone (lines that end at or after `since` and start at or before `until`), or nil without bounds.
    public func window(now: Int64) throws(TimeBoundError) -> Filter? {
        let b = try bounds(now: now)
        let end = FieldCatalogue.field(named: "end_time")!, start = FieldCatalogue.field(named: "start_time")!
        let parts: [Filter] = [
            b.since.map { .test(end, .compare(.gte, .int($0))) }, b.until.map { .test(start, .compare(.lte, .int($0))) },
        ].compactMap { $0 }
        return parts.isEmpty ? nil : parts.count == 1 ? parts[0] : .and(parts)
    }

    /// The window's bounds in epoch seconds (`until` rounded up, as date math rounds an upper bound).
    public func bounds(now: Int64) throws(TimeBoundError) -> (since: Int64?, until: Int64?) {
        (
            try since.map { text throws(TimeBoundError) in try Self.seconds(text, roundUp: false, now: now, name: boundNames.since) },
            try until.map { text throws(TimeBoundError) in try Self.seconds(text, roundUp: true, now: now, name: boundNames.until) }
        )
    }

    /// A time bound in epoch seconds: a length ago (`2h`) or an absolute time or date math.
    public static func seconds(_ text: String, roundUp: Bool, now: Int64, name: String) throws(TimeBoundError) -> Int64 {
        if let ago = TimeLength(parsing: text) { return now / 1000 - ago.seconds }
        guard let ms = DateMath.parse(text, now: now, roundUp: roundUp, epochUnitMillis: 1000) else {
            throw TimeBoundError(name: name, text: text)
        }
        return ms / 1000
    }
}

/// A time bound that is not a time.
public struct TimeBoundError: UserError, Equatable {
    /// The bound as it was given (`--since`, `until`).
    public var name: String
    public var text: String
    public var errorCode: String { "query.bad_time" }
    public var message: String {
        "\(name) \"\(text)\" is not a time: use 2h, 30m, 7d, epoch seconds, ISO-8601 or now-1d"
    }
}
