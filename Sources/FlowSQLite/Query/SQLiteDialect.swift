import FlowLog
import FlowQuery
import FlowStore

/// SQLite's way of writing a compiled ``Filter`` (``FilterSQL``): lists through `json_each`, patterns through
/// `GLOB`, addresses through the `flowq_ip_key` function only where text cannot decide, times through the
/// `flow_span` block index.
enum SQLiteDialect: SQLDialect {
    /// The predicate over `flow f`.
    static func compile(_ p: Filter) -> SQLFragment {
        let (sql, bindings) = FilterSQL<Self>.compile(p)
        return SQLFragment(sql, bindings)
    }

    /// The predicate over `conn c`, for a connection-level predicate (``Filter/isConnectionLevel``).
    static func compileForConnections(_ p: Filter) -> SQLFragment {
        let (sql, bindings) = FilterSQL<Self>.compile(p, overConnections: true)
        return SQLFragment(sql, bindings)
    }

    static let trueSQL = "1"
    static let falseSQL = "0"

    static func elements(of array: String) -> String { "json_each(\(array)) j" }
    static func joinElements(of array: String) -> String { ", " + elements(of: array) }

    static func hitJoins(_ list: TraceList) -> String {
        ", json_each(" + (list == .all ? "t.all_view" : "t.policies, '$.\(list.rawValue)'") + ") j"
    }

    static func extra(_ key: String, _ bindings: inout [SQLValue]) -> String {
        bindings.append(.text("$.\"" + key.replacing("\"", with: "\\\"") + "\""))
        return "CAST(json_extract(f.extra, ?) AS TEXT)"
    }

    // MARK: Conditions on a value expression `x` (x always comes first, before any placeholder of the condition)

    static func condition(_ f: Field, _ x: String, _ t: ValueTest, _ bindings: inout [SQLValue]) -> String {
        /// Takes over a fragment's bindings and returns its text (in parentheses).
        func append(_ fragment: SQLFragment) -> String {
            bindings += fragment.bindings
            return "(\(fragment.sql))"
        }
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
    static func freeText(_ tests: [FieldTest], _ c: inout FilterSQL<Self>) -> String {
        var connParts: [String] = []
        for t in tests {
            guard let expr = connScoped(t.field) else { continue }
            if t.field.type.isMultiValued {
                connParts.append("EXISTS (SELECT 1 FROM \(elements(of: expr)) WHERE \(c.condition(t.field, "j.value", t.test)))")
            } else {
                connParts.append(c.condition(t.field, expr, t.test))
            }
        }
        let connSQL = connParts.isEmpty ? [] : [
            "\(c.connRef) IN (SELECT c.id FROM \(ReadJoins.connectionsFrom.replacingNewlines) WHERE " + connParts.joined(separator: " OR ") + ")",
        ]
        var lineParts: [String] = []
        for t in tests where connScoped(t.field) == nil { lineParts.append(c.test(t.field, t.test)) }
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
