import FlowLog
import FlowQuery
import FlowStore

/// PostgreSQL's way of writing a compiled ``Filter`` (``FilterSQL``): lists through `jsonb_array_elements_text`,
/// patterns through `LIKE` (escaped), addresses through `inet` (`flowq_ip_key` maps IPv4 to its IPv6-mapped form,
/// so that both spellings Felix writes compare equal and order as keys do), placeholders numbered `$n`.
enum PostgresDialect: SQLDialect {
    /// The predicate over `flow f` (or over `conn c`); placeholders are numbered from `first` (a query with values
    /// bound before the predicate's).
    static func compile(_ p: Filter, overConnections: Bool = false, first: Int = 1) -> PostgresFragment {
        let (sql, bindings) = FilterSQL<Self>.compile(p, overConnections: overConnections)
        return PostgresFragment(sql: number(sql, from: first), bindings: bindings)
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

    static let trueSQL = "TRUE"
    static let falseSQL = "FALSE"

    static func elements(of array: String) -> String { "jsonb_array_elements_text(\(array)) j(value)" }
    static func joinElements(of array: String) -> String { " CROSS JOIN LATERAL " + elements(of: array) }

    /// A list that is not an array (absent from the trace) has no hits.
    static func hitJoins(_ list: TraceList) -> String {
        let source = list == .all ? "t.all_view" : "t.policies -> '\(list.rawValue)'"
        return joinElements(of: "CASE WHEN jsonb_typeof(\(source)) = 'array' THEN \(source) ELSE '[]'::jsonb END")
    }

    static func extra(_ key: String, _ bindings: inout [PostgresValue]) -> String {
        bindings.append(.text(key))
        return "(f.extra::jsonb ->> ?::text)"
    }

    /// A condition on the value expression `x`; numbers compare as numbers (list elements are text: cast).
    static func condition(_ f: Field, _ x: String, _ t: ValueTest, _ bindings: inout [PostgresValue]) -> String {
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

