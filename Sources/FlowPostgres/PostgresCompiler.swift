import FlowLog
import FlowQuery
import FlowStore

/// A bound value of a PostgreSQL query.
enum PostgresValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int64)
    case real(Double)
    case text(String)
    case null

    var description: String {
        switch self {
        case .int(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s): return "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        case .null: return "NULL"
        }
    }
}

/// SQL text with `$n` placeholders and their values.
struct PostgresFragment: Sendable {
    var sql: String
    var bindings: [PostgresValue]
}

/// Compiles a ``Filter`` to a predicate over `flow f` (or `conn c`) in PostgreSQL's dialect: lists through
/// `jsonb_array_elements_text`, patterns through `LIKE` (escaped), addresses through `inet` (`flowq_ip_key` maps
/// IPv4 to its IPv6-mapped form, so that both spellings Felix writes compare equal and order as keys do).
struct PostgresCompiler {
    private var bindings: [PostgresValue] = []
    private var connRef = "f.conn_id"

    /// Placeholders are numbered from `first` (a query with values bound before the predicate's).
    static func compile(_ p: Filter, overConnections: Bool = false, first: Int = 1) -> PostgresFragment {
        var c = PostgresCompiler()
        if overConnections { c.connRef = "c.id" }
        let sql = c.node(p)
        return PostgresFragment(sql: Self.number(sql, from: first), bindings: c.bindings)
    }

    /// Replaces each `?` with `$n` (the compiler writes no `?` elsewhere).
    static func number(_ sql: String, from first: Int) -> String {
        var out = ""
        var n = first
        for ch in sql {
            if ch == "?" {
                out += "$\(n)"
                n += 1
            } else {
                out.append(ch)
            }
        }
        return out
    }

    private mutating func node(_ p: Filter) -> String {
        switch p {
        case .always: return "TRUE"
        case .never: return "FALSE"
        case .and(let items): return combined(items, "AND")
        case .or(let items): return combined(items, "OR")
        case .not(let inner): return "NOT COALESCE(\(node(inner)), FALSE)"
        case .test(let f, let t): return test(f, t)
        case .anyField(let tests):
            let parts = tests.map { test($0.field, $0.test) }
            return parts.isEmpty ? "FALSE" : "(" + parts.joined(separator: " OR ") + ")"
        case .label(let side, let inner):
            return connection(via: "c.\(side.column)", "endpoint", "e", joins: Self.labelJoins, element(inner))
        case .element(let t): return condition(FilterBuilder.labelElement, "j.value", t)
        }
    }

    private mutating func element(_ p: Filter) -> String {
        switch p {
        case .and(let items): return "(" + items.map { element($0) }.joined(separator: " AND ") + ")"
        case .or(let items): return "(" + items.map { element($0) }.joined(separator: " OR ") + ")"
        case .not(let inner): return "NOT COALESCE(\(element(inner)), FALSE)"
        default: return node(p)
        }
    }

    /// The children of an `and`/`or`: those that read only connection-level fields become one condition on the
    /// connections, so that the lines are searched once, for the connections that satisfy all of them.
    private mutating func combined(_ items: [Filter], _ op: String) -> String {
        if items.isEmpty { return op == "AND" ? "TRUE" : "FALSE" }
        let connItems = connRef == "f.conn_id" && items.count > 1 ? items.filter(\.isConnectionLevel) : []
        var parts: [String] = []
        for i in items where !(connItems.count > 1 && i.isConnectionLevel) { parts.append(node(i)) }
        if connItems.count > 1 {
            var sub = PostgresCompiler()
            sub.connRef = "c.id"
            let sql = connItems.map { sub.node($0) }.joined(separator: " \(op) ")
            parts.append("f.conn_id IN (SELECT c.id FROM conn c WHERE \(sql))")
            bindings += sub.bindings
        }
        return "(" + parts.joined(separator: " \(op) ") + ")"
    }

    /// Whether the predicate is over `conn c`: a connection's own columns are then tested in place and its
    /// dictionary ids looked up in their dictionaries, as in SQLite's compiler (there, SQLite built the set of
    /// every matching connection first; the answers are the same, `NOT COALESCE(…, FALSE)` taking NULL as false).
    private var overConnections: Bool { connRef == "c.id" }

    /// An endpoint's labels, one row each (`j.value`).
    private static let labelJoins = " JOIN label_set l ON l.id = e.labels_id CROSS JOIN LATERAL jsonb_array_elements_text(l.labels) j(value)"

    /// A condition on the dictionary a connection points to through `column`: the rows of `table` (aliased
    /// `alias`, with `joins` after it) that satisfy it.
    private func connection(via column: String, _ table: String, _ alias: String, joins: String = "", _ condition: String) -> String {
        if overConnections { return "\(column) IN (SELECT \(alias).id FROM \(table) \(alias)\(joins) WHERE \(condition))" }
        return "\(connRef) IN (SELECT c.id FROM conn c JOIN \(table) \(alias) ON \(alias).id = \(column)\(joins) WHERE \(condition))"
    }

    private mutating func test(_ f: Field, _ t: ValueTest) -> String {
        let elements = "CROSS JOIN LATERAL jsonb_array_elements_text"
        switch f.storage {
        case .column(let c): return condition(f, "f.\(c)", t)
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
            let source = list == .all ? "t.all_view" : "t.policies -> '\(list.rawValue)'"
            let hits = " \(elements)(CASE WHEN jsonb_typeof(\(source)) = 'array' THEN \(source) ELSE '[]'::jsonb END) j(value)"
            return connection(via: "c.trace_id", "policy_trace", "t", joins: hits, condition(f, "j.value", t))
        case .stringList(let c):
            return "f.\(c) IN (SELECT s.id FROM string_list s \(elements)(s.items) j(value) WHERE \(condition(f, "j.value", t)))"
        case .jsonColumn(let c):
            return "EXISTS (SELECT 1 FROM jsonb_array_elements_text(f.\(c)) j(value) WHERE \(condition(f, "j.value", t)))"
        case .extra(let key):
            bindings.append(.text(key))
            return condition(f, "(f.extra::jsonb ->> ?::text)", t)
        }
    }

    /// A condition on the value expression `x`; numbers compare as numbers (list elements are text: cast).
    private mutating func condition(_ f: Field, _ x: String, _ t: ValueTest) -> String {
        // List elements are text: numbers compare as numbers where the element is one (no `?` in the pattern: `?`
        // marks a placeholder).
        let number = x == "j.value" ? "(CASE WHEN j.value ~ '^-{0,1}[0-9]+([.][0-9]+){0,1}$' THEN j.value::numeric END)" : x
        switch t {
        case .exists:
            return "\(x) IS NOT NULL"
        case .text(let s):
            bindings.append(.text(s))
            return "\(x)::text = ?"
        case .textIgnoringCase(let s):
            bindings.append(.text(s))
            return "lower(\(x)::text) = ?"
        case .number(let n):
            bindings.append(n.postgresValue)
            return "\(number) = ?::numeric"
        case .pattern(let pieces, let ignoreCase):
            bindings.append(.text(Self.like(pieces)))
            return ignoreCase ? "lower(\(x)::text) LIKE ?" : "\(x)::text LIKE ?"
        case .compare(let op, let n):
            bindings.append(n.postgresValue)
            return "\(number) \(op.symbol) ?::numeric"
        case .compareText(let op, let s):
            bindings.append(.text(s))
            return "\(x)::text \(op.symbol) ? COLLATE \"C\""
        case .between(let lo, let hi):
            bindings += [.int(lo), .int(hi)]
            return "\(x) BETWEEN ? AND ?"
        case .address(let key):
            // IPv4 has one text form (Felix may write its IPv6-mapped form too): the text decides, no function call.
            if key.ipv4 != nil {
                bindings += [.text(key.text), .text("::ffff:" + key.text)]
                return "\(x)::text IN (?, ?)"
            }
            // IPv6: the canonical text, else another spelling of the same address (only lines holding one).
            bindings += [.text(key.text), .text(key.text)]
            return "(\(x)::text = ? OR (\(x)::text LIKE '%:%' AND flowq_ip_key(\(x)) = ?::inet))"
        case .addressRange(let lo, let hi, let cidr):
            // Octet-aligned IPv4 blocks are a text prefix.
            if let octets = IPKey.octetPrefix(low: lo, cidr: cidr) {
                if octets.isEmpty { return "(\(x)::text NOT LIKE '%:%' OR \(x)::text LIKE '::ffff:%')" }
                let prefix = octets.map(String.init).joined(separator: ".")
                let pattern = octets.count == 4 ? prefix : prefix + ".%"
                bindings += [.text(pattern), .text("::ffff:" + pattern)]
                return "(\(x)::text LIKE ? OR \(x)::text LIKE ?)"
            }
            bindings += [.text(Self.mapped(lo)), .text(Self.mapped(hi))]
            return "flowq_ip_key(\(x)) BETWEEN ?::inet AND ?::inet"
        case .compareAddress(let op, let key):
            bindings.append(.text(Self.mapped(key)))
            return "flowq_ip_key(\(x)) \(op.symbol) ?::inet"
        }
    }

    /// An address key as the text of an IPv6 address (IPv4 in its mapped form), as `flowq_ip_key` returns it.
    static func mapped(_ key: IPKey) -> String { key.ipv4 != nil ? "::ffff:" + key.text : key.text }

    /// A pattern as a `LIKE` pattern: `%` and `_` for the wildcards, the text's `%`, `_` and `\` escaped.
    static func like(_ pieces: [PatternPiece]) -> String {
        var out = ""
        for p in pieces {
            switch p {
            case .many: out += "%"
            case .one: out += "_"
            case .text(let t):
                for ch in t {
                    if ch == "%" || ch == "_" || ch == "\\" { out.append("\\") }
                    out.append(ch)
                }
            }
        }
        return out
    }
}

extension Number {
    var postgresValue: PostgresValue {
        switch self {
        case .int(let i): return .int(i)
        case .real(let d): return .real(d)
        }
    }
}

extension Side {
    /// The `conn` column referencing the endpoint dictionary.
    var column: String { self == .source ? "src_ep" : "dst_ep" }
}
