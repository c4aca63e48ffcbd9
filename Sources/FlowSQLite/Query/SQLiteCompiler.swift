import FlowLog
import FlowQuery

/// Compiles a ``Filter`` to a SQL predicate over `flow f` (or over `conn c` for connection-level predicates)
/// in SQLite's dialect. Dictionary-encoded fields are matched in their (small) dictionary first:
/// `f.dst_ep IN (SELECT id …)`; labels, policies and lists through `json_each`; addresses through the
/// `flowq_ip_key` function only where text cannot decide; times through the `flow_span` block index.
struct SQLiteCompiler {
    private var bindings: [SQLValue] = []
    /// What connection conditions test: `f.conn_id` in a predicate over lines, `c.id` over connections.
    private var connRef = "f.conn_id"

    /// The predicate over `flow f`.
    static func compile(_ p: Filter) -> SQLFragment {
        var c = SQLiteCompiler()
        let sql = c.node(p)
        return SQLFragment(sql, c.bindings)
    }

    /// The predicate over `conn c`, for a connection-level predicate (``Filter/isConnectionLevel``).
    static func compileForConnections(_ p: Filter) -> SQLFragment {
        var c = SQLiteCompiler()
        c.connRef = "c.id"
        let sql = c.node(p)
        return SQLFragment(sql, c.bindings)
    }

    // MARK: Nodes

    private mutating func node(_ p: Filter) -> String {
        switch p {
        case .always: return "1"
        case .never: return "0"
        case .and(let items): return combined(items, "AND")
        case .or(let items): return combined(items, "OR")
        case .not(let inner): return "NOT COALESCE(\(node(inner)), 0)"
        case .test(let f, let t): return test(f, t)
        case .anyField(let tests): return freeText(tests)
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
        case .not(let inner): return "NOT COALESCE(\(element(inner)), 0)"
        default: return node(p)
        }
    }

    /// The children of an `and`/`or`: those that read only connection-level fields become one condition on the
    /// connections (`f.conn_id IN (SELECT c.id FROM conn c WHERE a AND b)`), so that the lines are searched once,
    /// for the connections that satisfy all of them, instead of through one index list per condition.
    private mutating func combined(_ items: [Filter], _ op: String) -> String {
        if items.isEmpty { return op == "AND" ? "1" : "0" }
        var parts: [String] = []
        let connItems = connRef == "f.conn_id" && items.count > 1 ? items.filter(\.isConnectionLevel) : []
        for i in items where !(connItems.count > 1 && i.isConnectionLevel) { parts.append(node(i)) }
        if connItems.count > 1 {
            var sub = SQLiteCompiler()
            sub.connRef = "c.id"
            let sql = connItems.map { sub.node($0) }.joined(separator: " \(op) ")
            parts.append("f.conn_id IN (SELECT c.id FROM conn c WHERE \(sql))")
            bindings += sub.bindings
        }
        return "(" + parts.joined(separator: " \(op) ") + ")"
    }

    /// An endpoint's labels, one row each (`j.value`).
    private static let labelJoins = " JOIN label_set l ON l.id = e.labels_id, json_each(l.labels) j"

    /// Whether the predicate is over `conn c`: a connection's own columns are then tested in place and its
    /// dictionary ids looked up in their dictionaries (`c.src_ep IN (SELECT e.id FROM endpoint e WHERE …)`), rather
    /// than through the set of every matching connection's id, which SQLite builds by reading all of `conn` (on the
    /// high-cardinality store, 100,000 connections for each `action:allow`). The two forms differ only where a
    /// column is NULL (NULL instead of false), which `NOT COALESCE(…, 0)` and `WHERE` take alike.
    private var overConnections: Bool { connRef == "c.id" }

    /// A test of a field, wrapped according to where the field is stored.
    private mutating func test(_ f: Field, _ t: ValueTest) -> String {
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
            let source = list == .all ? "t.all_view" : "t.policies, '$.\(list.rawValue)'"
            return connection(via: "c.trace_id", "policy_trace", "t", joins: ", json_each(\(source)) j", condition(f, "j.value", t))
        case .stringList(let c):
            return "f.\(c) IN (SELECT s.id FROM string_list s, json_each(s.items) j WHERE \(condition(f, "j.value", t)))"
        case .jsonColumn(let c):
            return "EXISTS (SELECT 1 FROM json_each(f.\(c)) j WHERE \(condition(f, "j.value", t)))"
        case .extra(let key):
            bindings.append(.text("$.\"" + key.replacing("\"", with: "\\\"") + "\""))
            return condition(f, "CAST(json_extract(f.extra, ?) AS TEXT)", t)
        }
    }

    /// A condition on the dictionary a connection points to through `column` (`c.src_ep`, `c.trace_id`…): the rows
    /// of `table` (aliased `alias`, with `joins` after it) that satisfy it.
    private func connection(via column: String, _ table: String, _ alias: String, joins: String = "", _ condition: String) -> String {
        if overConnections { return "\(column) IN (SELECT \(alias).id FROM \(table) \(alias)\(joins) WHERE \(condition))" }
        return "\(connRef) IN (SELECT c.id FROM conn c JOIN \(table) \(alias) ON \(alias).id = \(column)\(joins) WHERE \(condition))"
    }

    // MARK: Conditions on a value expression `x` (x always comes first, before any placeholder of the condition)

    private mutating func condition(_ f: Field, _ x: String, _ t: ValueTest) -> String {
        switch t {
        case .exists:
            return "\(x) IS NOT NULL"
        case .text(let s):
            bindings.append(.text(s))
            return "\(x) = ?"
        case .textIgnoringCase(let s):
            bindings.append(.text(s))
            return "lower(\(x)) = ?"
        case .number(let n):
            bindings.append(n.sqlValue)
            return "\(x) = ?"
        case .pattern(let pieces, let ignoreCase):
            let value = f.type.elementType == .number ? "CAST(\(x) AS TEXT)" : x
            bindings.append(.text(Self.glob(pieces)))
            return ignoreCase ? "lower(\(value)) GLOB ?" : "\(value) GLOB ?"
        case .compare(let op, let n):
            if case .int(let v) = n, let column = TimeSpan.Column(expression: x) {
                return append(TimeSpan.condition(column, op.symbol, v))
            }
            bindings.append(n.sqlValue)
            return "\(x) \(op.symbol) ?"
        case .compareText(let op, let s):
            bindings.append(.text(s))
            return "\(x) \(op.symbol) ?"
        case .between(let lo, let hi):
            if let column = TimeSpan.Column(expression: x) { return append(TimeSpan.between(column, lo, hi)) }
            bindings += [.int(lo), .int(hi)]
            return "\(x) BETWEEN ? AND ?"
        case .address(let key):
            // IPv4 has one text form (Felix writes IPv4-mapped addresses as dotted quads too): compare the text,
            // which SQLite does without calling back into Swift for every line.
            if key.ipv4 != nil {
                bindings += [.text(key.text), .text("::ffff:" + key.text)]
                return "\(x) IN (?, ?)"
            }
            // IPv6: the canonical text first; other spellings of the same address through the key function, which
            // only lines holding an IPv6 address reach.
            bindings += [.text(key.text), .blob(key.bytes)]
            return "(\(x) = ? OR (\(x) LIKE '%:%' AND flowq_ip_key(\(x)) = ?))"
        case .addressRange(let lo, let hi, let cidr):
            // Octet-aligned IPv4 blocks are a text prefix: no call back into Swift for every line.
            if let octets = IPKey.octetPrefix(low: lo, cidr: cidr) {
                if octets.isEmpty { return "(\(x) NOT LIKE '%:%' OR \(x) LIKE '::ffff:%')" }
                let prefix = octets.map(String.init).joined(separator: ".")
                let pattern = octets.count == 4 ? prefix : prefix + ".*"
                bindings += [.text(pattern), .text("::ffff:" + pattern)]
                return "(\(x) GLOB ? OR \(x) GLOB ?)"
            }
            bindings += [.blob(lo.bytes), .blob(hi.bytes)]
            return "flowq_ip_key(\(x)) BETWEEN ? AND ?"
        case .compareAddress(let op, let key):
            bindings.append(.blob(key.bytes))
            return "flowq_ip_key(\(x)) \(op.symbol) ?"
        }
    }

    /// Takes over a fragment's bindings and returns its text (in parentheses).
    private mutating func append(_ fragment: SQLFragment) -> String {
        bindings += fragment.bindings
        return "(\(fragment.sql))"
    }

    /// A pattern as a GLOB pattern (`*`, `?` and `[` in the text escaped as classes).
    static func glob(_ pieces: [PatternPiece]) -> String {
        var pattern = ""
        for p in pieces {
            switch p {
            case .many: pattern += "*"
            case .one: pattern += "?"
            case .text(let t):
                for ch in t {
                    switch ch {
                    case "*": pattern += "[*]"
                    case "?": pattern += "[?]"
                    case "[": pattern += "[[]"
                    default: pattern.append(ch)
                    }
                }
            }
        }
        return pattern
    }

    // MARK: Free text

    /// Fields of the conn dictionary and its joins in one subquery, matched once per distinct connection; then
    /// the per-line fields.
    private mutating func freeText(_ tests: [FieldTest]) -> String {
        var connParts: [String] = []
        for t in tests {
            guard let expr = Self.connScoped(t.field) else { continue }
            if t.field.type.isMultiValued {
                connParts.append("EXISTS (SELECT 1 FROM json_each(\(expr)) j WHERE \(condition(t.field, "j.value", t.test)))")
            } else {
                connParts.append(condition(t.field, expr, t.test))
            }
        }
        let connSQL = connParts.isEmpty ? [] : [
            "\(connRef) IN (SELECT c.id FROM \(ReadJoins.connectionsFrom.replacingNewlines) WHERE " + connParts.joined(separator: " OR ") + ")",
        ]
        var lineParts: [String] = []
        for t in tests where Self.connScoped(t.field) == nil { lineParts.append(test(t.field, t.test)) }
        let parts = connSQL + lineParts
        return parts.isEmpty ? "0" : "(" + parts.joined(separator: " OR ") + ")"
    }

    /// The SQL of a field inside the conn subquery of free text (aliases `c`, `h`, `se`, `de`, `sl`, `dl`, `sv`,
    /// `pt`), or `nil` for fields stored per line.
    static func connScoped(_ f: Field) -> String? {
        switch f.storage {
        case .conn, .endpoint, .service, .host, .labels, .policies: return f.valueSQL
        default: return nil
        }
    }
}

extension Number {
    /// The number as a bound value.
    var sqlValue: SQLValue {
        switch self {
        case .int(let i): return .int(i)
        case .real(let d): return .real(d)
        }
    }
}

extension String {
    /// The text on one line (a FROM clause inside a subquery).
    fileprivate var replacingNewlines: String { split(separator: "\n").joined(separator: " ") }
}
