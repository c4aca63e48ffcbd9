import FlowLog

/// Compiles a ``QueryNode`` to a SQL predicate over `flow f`, with Kibana's semantics on flow logs:
/// exact case-sensitive keywords, numeric numbers, IPs with CIDR, dates with date math, multi-valued fields
/// matching on any element, `not` as Elasticsearch's `must_not` (missing fields match), `f:*` as exists.
/// Dictionary-encoded fields are matched in their (small) dictionary first: `f.dst_ep IN (SELECT id …)`.
public struct QueryCompiler {
    public struct Options: Sendable {
        /// Keyword matching ignores case (ASCII and Unicode lowercase).
        public var ignoreCase: Bool
        /// "now" for date math, epoch milliseconds.
        public var now: Int64

        public init(ignoreCase: Bool = false, now: Int64) {
            self.ignoreCase = ignoreCase
            self.now = now
        }
    }

    let options: Options
    private var bindings: [SQLValue] = []
    /// What connection conditions test: `f.conn_id` in a predicate over lines, `c.id` over connections.
    private var connRef = "f.conn_id"
    /// Whether a condition reads a per-line column (a time, an address, a counter, free text…).
    private var touchesLines = false

    public init(options: Options) { self.options = options }

    /// Compiles a query into a predicate.
    public static func compile(_ node: QueryNode, options: Options) throws(QuerySyntaxError) -> SQLFragment {
        var c = QueryCompiler(options: options)
        let sql = try c.node(node, prefix: "")
        return SQLFragment(sql, c.bindings)
    }

    /// The query as a predicate over `conn c` when it reads only connection-level fields (endpoints, port,
    /// protocol, action, reporter, service, host, labels, policies), else `nil`: every line of a connection then
    /// matches or none does, so counts and groups can be read from the connections' roll-up, exactly.
    public static func compileForConnections(_ node: QueryNode, options: Options) throws(QuerySyntaxError) -> SQLFragment? {
        var c = QueryCompiler(options: options)
        c.connRef = "c.id"
        let sql = try c.node(node, prefix: "")
        return c.touchesLines ? nil : SQLFragment(sql, c.bindings)
    }

    // MARK: Nodes

    private mutating func node(_ n: QueryNode, prefix: String) throws(QuerySyntaxError) -> String {
        switch n {
        case .and(let items):
            return try combined(items, "AND", prefix: prefix)
        case .or(let items):
            return try combined(items, "OR", prefix: prefix)
        case .not(let inner):
            return "NOT COALESCE(\(try node(inner, prefix: prefix)), 0)"
        case .match(let field, let value):
            return try match(field, value, prefix: prefix)
        case .range(let field, let op, let value):
            return try range(field, op, value, prefix: prefix)
        case .nested(let path, let query):
            return try nested(path, query, prefix: prefix)
        }
    }

    /// The children of an `and`/`or`: those that read only connection-level fields become one condition on the
    /// connections (`f.conn_id IN (SELECT c.id FROM conn c WHERE a AND b)`), so that the lines are searched once,
    /// for the connections that satisfy all of them, instead of through one index list per condition.
    private mutating func combined(_ items: [QueryNode], _ op: String, prefix: String) throws(QuerySyntaxError) -> String {
        var parts: [String] = []
        var connItems: [(sql: String, bindings: [SQLValue], node: QueryNode)] = []
        for i in items {
            if connRef == "f.conn_id", items.count > 1 {
                var sub = QueryCompiler(options: options)
                sub.connRef = "c.id"
                let sql = try sub.node(i, prefix: prefix)
                if !sub.touchesLines {
                    connItems.append((sql, sub.bindings, i))
                    continue
                }
            }
            parts.append(try node(i, prefix: prefix))
        }
        if connItems.count == 1 {
            // One condition alone compiles as it would by itself (its own index list is as good).
            parts.append(try node(connItems[0].node, prefix: prefix))
        } else if !connItems.isEmpty {
            parts.append("f.conn_id IN (SELECT c.id FROM conn c WHERE " + connItems.map(\.sql).joined(separator: " \(op) ") + ")")
            for c in connItems { bindings += c.bindings }
        }
        return "(" + parts.joined(separator: " \(op) ") + ")"
    }

    private mutating func match(_ field: Term?, _ value: Term, prefix: String) throws(QuerySyntaxError) -> String {
        guard let field else { return try freeText(value) }
        if field.isLoneWildcard && value.isLoneWildcard { return "1" }
        let fields = try resolve(field, prefix: prefix)
        if fields.isEmpty { return "0" }
        var parts: [String] = []
        let lenient = field.pieces != nil
        for f in fields {
            // A wildcard field name is lenient, as Elasticsearch's: fields that cannot hold the value are skipped.
            let saved = bindings
            do {
                parts.append(try fieldMatch(f, value))
            } catch where lenient && error.code == .badValue {
                bindings = saved
            }
        }
        if parts.isEmpty { return "0" }
        return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " OR ") + ")"
    }

    private mutating func range(_ field: Term, _ op: RangeOp, _ value: Term, prefix: String) throws(QuerySyntaxError) -> String {
        let fields = try resolve(field, prefix: prefix)
        if fields.isEmpty { return "0" }
        var parts: [String] = []
        for f in fields {
            parts.append(try predicate(f) { (c: inout QueryCompiler, x: String) throws(QuerySyntaxError) in
                try c.rangeCondition(f, x, op, value)
            })
        }
        return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " OR ") + ")"
    }

    private mutating func nested(_ path: Term, _ query: QueryNode, prefix: String) throws(QuerySyntaxError) -> String {
        guard let name = path.text.map({ prefix + $0 }) else {
            throw QuerySyntaxError(.unsupported, "a nested path cannot be a wildcard", offset: path.offset)
        }
        switch name {
        case "policies":
            // `policies` is an object in Calico's index: each condition applies to the line.
            return try node(query, prefix: "policies.")
        case "source_labels", "dest_labels":
            // Labels are nested: every condition inside must hold for one and the same label.
            let side: Side = name == "source_labels" ? .source : .dest
            let inner = try element(query)
            return "\(connRef) IN (SELECT c.id FROM conn c JOIN endpoint e ON e.id = c.\(side.column) "
                + "JOIN label_set l ON l.id = e.labels_id, json_each(l.labels) j WHERE \(inner))"
        default:
            throw QuerySyntaxError(
                .unknownField, "\(name) is not a nested field", offset: path.offset,
                hint: "nested paths are source_labels, dest_labels and policies")
        }
    }

    /// A query inside `source_labels:{…}`: its fields name the element (`labels`).
    private mutating func element(_ n: QueryNode) throws(QuerySyntaxError) -> String {
        switch n {
        case .and(let items):
            var parts: [String] = []
            for i in items { parts.append(try element(i)) }
            return "(" + parts.joined(separator: " AND ") + ")"
        case .or(let items):
            var parts: [String] = []
            for i in items { parts.append(try element(i)) }
            return "(" + parts.joined(separator: " OR ") + ")"
        case .not(let inner):
            return "NOT COALESCE(\(try element(inner)), 0)"
        case .match(let field, let value):
            try checkElementField(field)
            return try keywordCondition("j.value", value)
        case .range(let field, let op, let value):
            try checkElementField(field)
            return try rangeCondition(Field("labels", .keyword, .column("labels"), "", example: ""), "j.value", op, value)
        case .nested(let path, _):
            throw QuerySyntaxError(.unsupported, "labels hold no nested fields", offset: path.offset)
        }
    }

    private func checkElementField(_ field: Term?) throws(QuerySyntaxError) {
        guard let field else { return }
        if case .wildcard(let segs) = field.kind, Wildcard.matches(segments: segs, "labels") { return }
        guard field.text == "labels" else {
            throw QuerySyntaxError(
                .unknownField, "\(field.text ?? "this field") is not a field of a label set", offset: field.offset,
                hint: "inside source_labels:{…} the field is `labels`, e.g. source_labels:{labels: app=*}")
        }
    }

    // MARK: Fields

    private func resolve(_ field: Term, prefix: String) throws(QuerySyntaxError) -> [Field] {
        switch field.kind {
        case .literal:
            let name = prefix + (field.text ?? "")
            if let f = FieldCatalogue.field(named: name) { return [f] }
            throw QuerySyntaxError.unknownField(name, offset: field.offset)
        case .wildcard(let segs):
            var prefixed = segs
            prefixed[0] = prefix + prefixed[0]
            return FieldCatalogue.fields.filter { Wildcard.matches(segments: prefixed, $0.name) }
        case .pattern:
            throw QuerySyntaxError(.unsupported, "`?` is not a wildcard in field names", offset: field.offset)
        }
    }

    private mutating func fieldMatch(_ f: Field, _ value: Term) throws(QuerySyntaxError) -> String {
        try predicate(f) { (c: inout QueryCompiler, x: String) throws(QuerySyntaxError) in
            try c.matchCondition(f.type.elementType, f, x, value)
        }
    }

    /// Wraps a condition on the value expression `x` according to where the field is stored.
    private mutating func predicate(
        _ f: Field, _ cond: (inout QueryCompiler, String) throws(QuerySyntaxError) -> String
    ) throws(QuerySyntaxError) -> String {
        if !f.isConnectionLevel { touchesLines = true }
        switch f.storage {
        case .column(let c):
            return try cond(&self, "f.\(c)")
        case .conn(let c): return "\(connRef) IN (SELECT id FROM conn WHERE \(try cond(&self, c)))"
        case .endpoint(let side, let c):
            return "\(connRef) IN (SELECT c.id FROM conn c JOIN endpoint e ON e.id = c.\(side.column) WHERE \(try cond(&self, "e." + c)))"
        case .service(let c):
            return "\(connRef) IN (SELECT c.id FROM conn c JOIN service s ON s.id = c.service_id WHERE \(try cond(&self, "s." + c)))"
        case .host:
            return "\(connRef) IN (SELECT c.id FROM conn c JOIN host h ON h.id = c.host_id WHERE \(try cond(&self, "h.name")))"
        case .timestamp:
            return try cond(&self, "COALESCE(f.timestamp_ms, f.end_time * 1000)")
        case .labels(let side):
            return "\(connRef) IN (SELECT c.id FROM conn c JOIN endpoint e ON e.id = c.\(side.column) "
                + "JOIN label_set l ON l.id = e.labels_id, json_each(l.labels) j WHERE \(try cond(&self, "j.value")))"
        case .policies(let list):
            let source = list == .all ? "t.all_view" : "t.policies, '$.\(list.rawValue)'"
            return "\(connRef) IN (SELECT c.id FROM conn c JOIN policy_trace t ON t.id = c.trace_id, json_each(\(source)) j "
                + "WHERE \(try cond(&self, "j.value")))"
        case .stringList(let c):
            return "f.\(c) IN (SELECT s.id FROM string_list s, json_each(s.items) j WHERE \(try cond(&self, "j.value")))"
        case .jsonColumn(let c):
            return "EXISTS (SELECT 1 FROM json_each(f.\(c)) j WHERE \(try cond(&self, "j.value")))"
        case .extra(let key):
            bindings.append(.text("$.\"" + key.replacing("\"", with: "\\\"") + "\""))
            return try cond(&self, "CAST(json_extract(f.extra, ?) AS TEXT)")
        }
    }

    // MARK: Conditions on a value expression `x` (x always comes first, before any placeholder of the condition)

    private mutating func matchCondition(_ type: FieldType, _ f: Field, _ x: String, _ v: Term) throws(QuerySyntaxError) -> String {
        if v.isLoneWildcard { return "\(x) IS NOT NULL" }
        switch type {
        case .number:
            if v.pieces != nil { return glob("CAST(\(x) AS TEXT)", v, ignoreCase: false) }
            bindings.append(try number(v, f))
            return "\(x) = ?"
        case .ip:
            if v.pieces != nil { return glob(x, v, ignoreCase: false) }
            let text = v.text ?? ""
            if text.contains("/") {
                guard let (lo, hi) = IPAddress.cidr(text) else {
                    throw QuerySyntaxError(.badValue, "\(f.name) expects an IP or CIDR, got \"\(text)\"", offset: v.offset)
                }
                // Octet-aligned IPv4 blocks are a text prefix: no call back into Swift for every line.
                if let v4 = IPAddress.ipv4(of: lo), let bits = Int(text.split(separator: "/").last ?? ""),
                    bits % 8 == 0
                {
                    if bits == 0 {
                        return "(\(x) NOT LIKE '%:%' OR \(x) LIKE '::ffff:%')"
                    }
                    let prefix = v4.prefix(bits / 8).map(String.init).joined(separator: ".")
                    bindings += [.text(bits == 32 ? prefix : prefix + ".*"), .text("::ffff:" + (bits == 32 ? prefix : prefix + ".*"))]
                    return "(\(x) GLOB ? OR \(x) GLOB ?)"
                }
                bindings += [.blob(lo), .blob(hi)]
                return "flowq_ip_key(\(x)) BETWEEN ? AND ?"
            }
            guard let key = IPAddress.key(text) else {
                throw QuerySyntaxError(
                    .badValue, "\(f.name) expects an IP address or CIDR, got \"\(text)\"", offset: v.offset,
                    hint: "for a partial address use a wildcard (10.0.*) or a CIDR (10.0.0.0/16)")
            }
            // IPv4 has one text form (Felix writes IPv4-mapped addresses as dotted quads too): compare the text,
            // which SQLite does without calling back into Swift for every line.
            if IPAddress.ipv4(of: key) != nil {
                let text = IPAddress.text(key)
                bindings += [.text(text), .text("::ffff:" + text)]
                return "\(x) IN (?, ?)"
            }
            // IPv6: the canonical text first; other spellings of the same address through the key function, which
            // only lines holding an IPv6 address reach.
            bindings += [.text(IPAddress.text(key)), .blob(key)]
            return "(\(x) = ? OR (\(x) LIKE '%:%' AND flowq_ip_key(\(x)) = ?))"
        case .date:
            let (lo, hi) = try dateRange(v, f)
            if let column = TimeSpan.Column(expression: x) { return append(TimeSpan.between(column, lo, hi)) }
            bindings += [.int(lo), .int(hi)]
            return "\(x) BETWEEN ? AND ?"
        default:
            return try keywordCondition(x, v)
        }
    }

    /// Takes over a fragment's bindings and returns its text (in parentheses).
    private mutating func append(_ fragment: SQLFragment) -> String {
        bindings += fragment.bindings
        return "(\(fragment.sql))"
    }

    private mutating func keywordCondition(_ x: String, _ v: Term) throws(QuerySyntaxError) -> String {
        if v.isLoneWildcard { return "\(x) IS NOT NULL" }
        if v.pieces != nil { return glob(x, v, ignoreCase: options.ignoreCase) }
        let text = v.text ?? ""
        if options.ignoreCase {
            bindings.append(.text(text.lowercased()))
            return "lower(\(x)) = ?"
        }
        bindings.append(.text(text))
        return "\(x) = ?"
    }

    private mutating func glob(_ x: String, _ v: Term, ignoreCase: Bool) -> String {
        var pattern = ""
        for p in v.pieces ?? [] {
            switch p {
            case .many: pattern += "*"
            case .one: pattern += "?"
            case .text(let t):
                for ch in ignoreCase ? t.lowercased() : t {
                    switch ch {
                    case "*": pattern += "[*]"
                    case "?": pattern += "[?]"
                    case "[": pattern += "[[]"
                    default: pattern.append(ch)
                    }
                }
            }
        }
        bindings.append(.text(pattern))
        return ignoreCase ? "lower(\(x)) GLOB ?" : "\(x) GLOB ?"
    }

    private mutating func rangeCondition(_ f: Field, _ x: String, _ op: RangeOp, _ v: Term) throws(QuerySyntaxError) -> String {
        switch f.type.elementType {
        case .number:
            bindings.append(try number(v, f))
            return "\(x) \(op.sql) ?"
        case .ip:
            guard let text = v.text, let key = IPAddress.key(text) else {
                throw QuerySyntaxError(.badValue, "\(f.name) expects an IP address, got \"\(v.text ?? "a pattern")\"", offset: v.offset)
            }
            bindings.append(.blob(key))
            return "flowq_ip_key(\(x)) \(op.sql) ?"
        case .date:
            let up = op == .gt || op == .lte
            let ms = try date(v, f, roundUp: up)
            let value = toFieldUnit(ms, f, op: op)
            if let column = TimeSpan.Column(expression: x) { return append(TimeSpan.condition(column, op.sql, value)) }
            bindings.append(.int(value))
            return "\(x) \(op.sql) ?"
        default:
            guard let text = v.text else {
                throw QuerySyntaxError(.badValue, "a range needs a plain value, not a pattern", offset: v.offset)
            }
            bindings.append(.text(text))
            return "\(x) \(op.sql) ?"
        }
    }

    // MARK: Free text

    private mutating func freeText(_ v: Term) throws(QuerySyntaxError) -> String {
        if v.isLoneWildcard { return "1" }
        touchesLines = true
        let text = v.text
        // Lenient, as Elasticsearch's multi_match: only values that can be an address reach IP fields (a pattern
        // only when its text could be part of one), and only numbers reach number fields.
        let ipLike = v.pieces?.allSatisfy { piece in
            if case .text(let t) = piece { return t.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" } }
            return true
        } ?? (text.flatMap(IPAddress.key) != nil)
        let numeric = text.map { Int64($0) != nil } ?? false
        func wanted(_ f: Field) -> Bool {
            switch f.type.elementType {
            case .keyword: return true
            case .ip: return ipLike
            case .number: return numeric
            default: return false
            }
        }
        // Fields of the conn dictionary and its joins: one subquery, matched once per distinct connection.
        var connParts: [String] = []
        var lineParts: [String] = []
        for f in FieldCatalogue.fields where wanted(f) {
            if let expr = Self.connScoped(f) {
                connParts.append(try elementOrValue(f, expr, v))
            }
        }
        let connSQL = connParts.isEmpty ? [] : [
            "\(connRef) IN (SELECT c.id FROM conn c LEFT JOIN host h ON h.id = c.host_id "
                + "LEFT JOIN endpoint se ON se.id = c.src_ep LEFT JOIN label_set sl ON sl.id = se.labels_id "
                + "LEFT JOIN endpoint de ON de.id = c.dst_ep LEFT JOIN label_set dl ON dl.id = de.labels_id "
                + "LEFT JOIN service sv ON sv.id = c.service_id LEFT JOIN policy_trace pt ON pt.id = c.trace_id "
                + "WHERE " + connParts.joined(separator: " OR ") + ")",
        ]
        // Then the per-line fields.
        for f in FieldCatalogue.fields where wanted(f) && Self.connScoped(f) == nil {
            lineParts.append(try fieldMatch(f, v))
        }
        return "(" + (connSQL + lineParts).joined(separator: " OR ") + ")"
    }

    /// The SQL of a field inside the conn subquery of free text (aliases `c`, `h`, `se`, `de`, `sl`, `dl`, `sv`,
    /// `pt`), or `nil` for fields stored per line.
    static func connScoped(_ f: Field) -> String? {
        switch f.storage {
        case .conn, .endpoint, .service, .host: return f.valueSQL
        case .labels, .policies: return f.valueSQL
        default: return nil
        }
    }

    /// A condition on a conn-scoped field: multi-valued fields match any element of their JSON array.
    private mutating func elementOrValue(_ f: Field, _ expr: String, _ v: Term) throws(QuerySyntaxError) -> String {
        if f.type.isMultiValued {
            let inner = try matchCondition(f.type.elementType, f, "j.value", v)
            return "EXISTS (SELECT 1 FROM json_each(\(expr)) j WHERE \(inner))"
        }
        return try matchCondition(f.type.elementType, f, expr, v)
    }

    // MARK: Values

    private func number(_ v: Term, _ f: Field) throws(QuerySyntaxError) -> SQLValue {
        guard let text = v.text else {
            throw QuerySyntaxError(.badValue, "\(f.name) expects a number", offset: v.offset)
        }
        if let i = Int64(text) { return .int(i) }
        if let d = Double(text), d.isFinite { return .real(d) }
        throw QuerySyntaxError(.badValue, "\(f.name) expects a number, got \"\(text)\"", offset: v.offset)
    }

    private func date(_ v: Term, _ f: Field, roundUp: Bool) throws(QuerySyntaxError) -> Int64 {
        guard let text = v.text,
            let ms = DateMath.parse(text, now: options.now, roundUp: roundUp, epochUnitMillis: unitMillis(f))
        else {
            throw QuerySyntaxError(
                .badValue, "\(f.name) expects a date, got \"\(v.text ?? "a pattern")\"", offset: v.offset,
                hint: "epoch seconds, ISO-8601 (\"2026-11-23T10:00:00Z\", quoted when it holds ':'), or now-1h, now/d")
        }
        return ms
    }

    private func unitMillis(_ f: Field) -> Int64 { f.storage == .timestamp ? 1 : 1000 }

    /// A date's [first, last] instant in the field's unit (for `field:date` as Elasticsearch's gte/lte pair).
    private func dateRange(_ v: Term, _ f: Field) throws(QuerySyntaxError) -> (Int64, Int64) {
        let lo = try date(v, f, roundUp: false)
        let hi = try date(v, f, roundUp: true)
        return (toFieldUnit(lo, f, op: .gte), toFieldUnit(hi, f, op: .lte))
    }

    /// Converts a bound in ms to the field's unit so that `x op bound` is exact for integer x.
    private func toFieldUnit(_ ms: Int64, _ f: Field, op: RangeOp) -> Int64 {
        let u = unitMillis(f)
        if u == 1 { return ms }
        let floor = DateMath.floorDiv(ms, u)
        let ceil = floor * u == ms ? floor : floor + 1
        switch op {
        case .gte, .lt: return ceil
        case .gt, .lte: return floor
        }
    }
}
