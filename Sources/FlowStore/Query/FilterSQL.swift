import FlowLog
import FlowQuery

/// Compiles a ``Filter`` to a SQL predicate over `flow f` (or over `conn c`, for a connection-level predicate) in
/// a ``SQLDialect``. A field stored in a dictionary is matched in its (small) dictionary first:
/// `f.conn_id IN (SELECT c.id FROM conn c JOIN endpoint e ON e.id = c.dst_ep WHERE …)`; the connection-level
/// children of an `and`/`or` become one condition on the connections.
public struct FilterSQL<Dialect: SQLDialect> {
    /// The values bound to the text's placeholders, in order.
    public private(set) var bindings: [Dialect.Value] = []
    /// What connection conditions test: `f.conn_id` in a predicate over lines, `c.id` over connections.
    public private(set) var connRef: String

    /// A compiler of predicates over lines, or over connections.
    public init(overConnections: Bool = false) { connRef = overConnections ? "c.id" : "f.conn_id" }

    /// The predicate `p` and its bindings.
    public static func compile(_ p: Filter, overConnections: Bool = false) -> (sql: String, bindings: [Dialect.Value]) {
        var c = FilterSQL(overConnections: overConnections)
        let sql = c.node(p)
        return (sql, c.bindings)
    }

    /// Whether the predicate is over `conn c`: a connection's own columns are then tested in place and its
    /// dictionary ids looked up in their dictionaries (`c.src_ep IN (SELECT e.id FROM endpoint e WHERE …)`), rather
    /// than through the set of every matching connection's id (SQLite builds it by reading all of `conn`: on the
    /// high-cardinality store, 100,000 connections for each `action:allow`). The two forms differ only where a
    /// column is NULL (NULL instead of false), which `NOT COALESCE(…, false)` and `WHERE` take alike.
    public var overConnections: Bool { connRef == "c.id" }

    // MARK: Nodes

    /// The SQL of one node of the filter.
    mutating func node(_ p: Filter) -> String {
        switch p {
        case .always: return Dialect.trueSQL
        case .never: return Dialect.falseSQL
        case .and(let items): return combined(items, "AND")
        case .or(let items): return combined(items, "OR")
        case .not(let inner): return "NOT COALESCE(\(node(inner)), \(Dialect.falseSQL))"
        case .test(let f, let t): return test(f, t)
        case .anyField(let tests): return Dialect.freeText(tests, &self)
        case .label(let side, let inner):
            return connection(via: "c.\(side.column)", "endpoint", "e", joins: Self.labelJoins, element(inner))
        case .element(let t): return condition(FilterBuilder.labelElement, "j.value", t)
        }
    }

    /// Inside a label: the tests apply to `j.value`.
    private mutating func element(_ p: Filter) -> String {
        switch p {
        case .and(let items): return "(" + items.map { element($0) }.joined(separator: " AND ") + ")"
        case .or(let items): return "(" + items.map { element($0) }.joined(separator: " OR ") + ")"
        case .not(let inner): return "NOT COALESCE(\(element(inner)), \(Dialect.falseSQL))"
        default: return node(p)
        }
    }

    /// The children of an `and`/`or`: those that read only connection-level fields become one condition on the
    /// connections (`f.conn_id IN (SELECT c.id FROM conn c WHERE a AND b)`), so that the lines are searched once,
    /// for the connections that satisfy all of them, instead of through one index list per condition.
    private mutating func combined(_ items: [Filter], _ op: String) -> String {
        if items.isEmpty { return op == "AND" ? Dialect.trueSQL : Dialect.falseSQL }
        var parts: [String] = []
        let connItems = overConnections || items.count < 2 ? [] : items.filter(\.isConnectionLevel)
        for i in items where !(connItems.count > 1 && i.isConnectionLevel) { parts.append(node(i)) }
        if connItems.count > 1 {
            var sub = FilterSQL(overConnections: true)
            let sql = connItems.map { sub.node($0) }.joined(separator: " \(op) ")
            parts.append("f.conn_id IN (SELECT c.id FROM conn c WHERE \(sql))")
            bindings += sub.bindings
        }
        return "(" + parts.joined(separator: " \(op) ") + ")"
    }

    /// An endpoint's labels, one row each (`j.value`).
    private static var labelJoins: String { " JOIN label_set l ON l.id = e.labels_id" + Dialect.joinElements(of: "l.labels") }

    // MARK: Fields

    /// A test of a field, wrapped according to where the field is stored.
    public mutating func test(_ f: Field, _ t: ValueTest) -> String {
        switch f.storage {
        case .column(let c):
            return condition(f, "f.\(c)", t)
        case .conn(let c):
            if overConnections { return condition(f, "c.\(c)", t) }
            return "\(connRef) IN (SELECT id FROM conn WHERE \(condition(f, c, t)))"
        case .endpoint(let side, let c):
            return connection(via: "c.\(side.column)", "endpoint", "e", condition(f, "e." + c, t))
        case .service(let c):
            return connection(via: "c.service_id", "service", "s", condition(f, "s." + c, t))
        case .host:
            return connection(via: "c.host_id", "host", "h", condition(f, "h.name", t))
        case .timestamp:
            return condition(f, "COALESCE(f.timestamp_ms, f.end_time * 1000)", t)
        case .labels(let side):
            return connection(via: "c.\(side.column)", "endpoint", "e", joins: Self.labelJoins, condition(f, "j.value", t))
        case .policies(let list):
            return connection(via: "c.trace_id", "policy_trace", "t", joins: Dialect.hitJoins(list), condition(f, "j.value", t))
        case .stringList(let c):
            return "f.\(c) IN (SELECT s.id FROM string_list s\(Dialect.joinElements(of: "s.items")) WHERE \(condition(f, "j.value", t)))"
        case .jsonColumn(let c):
            return "EXISTS (SELECT 1 FROM \(Dialect.elements(of: "f.\(c)")) WHERE \(condition(f, "j.value", t)))"
        case .extra(let key):
            let x = Dialect.extra(key, &bindings)
            return condition(f, x, t)
        }
    }

    /// The condition that value expression `x` of `f` passes `t`, in the dialect, its values bound.
    public mutating func condition(_ f: Field, _ x: String, _ t: ValueTest) -> String {
        Dialect.condition(f, x, t, &bindings)
    }

    /// A condition on the dictionary a connection points to through `column` (`c.src_ep`, `c.trace_id`…): the rows
    /// of `table` (aliased `alias`, with `joins` after it) that satisfy it.
    private func connection(via column: String, _ table: String, _ alias: String, joins: String = "", _ condition: String) -> String {
        if overConnections { return "\(column) IN (SELECT \(alias).id FROM \(table) \(alias)\(joins) WHERE \(condition))" }
        return "\(connRef) IN (SELECT c.id FROM conn c JOIN \(table) \(alias) ON \(alias).id = \(column)\(joins) WHERE \(condition))"
    }
}
