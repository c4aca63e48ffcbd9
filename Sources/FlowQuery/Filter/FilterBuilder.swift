import FlowLog

/// Turns a ``QueryNode`` into a ``Filter`` with Kibana's semantics on flow logs: exact case-sensitive keywords,
/// numeric numbers, IPs with CIDR, dates with date math, multi-valued fields matching on any element, `not` as
/// Elasticsearch's `must_not` (missing fields match), `f:*` as exists, wildcard field names lenient.
public struct FilterBuilder {
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

    public init(options: Options) { self.options = options }

    /// The predicate of a query.
    public static func build(_ node: QueryNode, options: Options) throws(QuerySyntaxError) -> Filter {
        try FilterBuilder(options: options).node(node, prefix: "")
    }

    // MARK: Nodes

    private func node(_ n: QueryNode, prefix: String) throws(QuerySyntaxError) -> Filter {
        switch n {
        case .and(let items):
            var out: [Filter] = []
            for i in items { out.append(try node(i, prefix: prefix)) }
            return .and(out)
        case .or(let items):
            var out: [Filter] = []
            for i in items { out.append(try node(i, prefix: prefix)) }
            return .or(out)
        case .not(let inner):
            return .not(try node(inner, prefix: prefix))
        case .match(let field, let value):
            return try match(field, value, prefix: prefix)
        case .range(let field, let op, let value):
            let fields = try resolve(field, prefix: prefix)
            var parts: [Filter] = []
            for f in fields { parts.append(.test(f, try rangeTest(f, op, value))) }
            return Self.any(parts)
        case .nested(let path, let query):
            return try nested(path, query, prefix: prefix)
        }
    }

    private static func any(_ parts: [Filter]) -> Filter {
        parts.isEmpty ? .never : parts.count == 1 ? parts[0] : .or(parts)
    }

    private func match(_ field: Term?, _ value: Term, prefix: String) throws(QuerySyntaxError) -> Filter {
        guard let field else { return try freeText(value) }
        if field.isLoneWildcard && value.isLoneWildcard { return .always }
        let fields = try resolve(field, prefix: prefix)
        let lenient = field.pieces != nil
        var parts: [Filter] = []
        for f in fields {
            // A wildcard field name is lenient, as Elasticsearch's: fields that cannot hold the value are skipped.
            do {
                parts.append(.test(f, try matchTest(f, value)))
            } catch where lenient && error.code == .badValue {}
        }
        return Self.any(parts)
    }

    private func nested(_ path: Term, _ query: QueryNode, prefix: String) throws(QuerySyntaxError) -> Filter {
        guard let name = path.text.map({ prefix + $0 }) else {
            throw QuerySyntaxError(.unsupported, "a nested path cannot be a wildcard", offset: path.offset)
        }
        switch name {
        case "policies":
            // `policies` is an object in Calico's index: each condition applies to the line.
            return try node(query, prefix: "policies.")
        case "source_labels", "dest_labels":
            // Labels are nested: every condition inside must hold for one and the same label.
            return .label(name == "source_labels" ? .source : .dest, try element(query))
        default:
            throw QuerySyntaxError(
                .unknownField, "\(name) is not a nested field", offset: path.offset,
                hint: "nested paths are source_labels, dest_labels and policies")
        }
    }

    /// A query inside `source_labels:{…}`: its fields name the element (`labels`).
    private func element(_ n: QueryNode) throws(QuerySyntaxError) -> Filter {
        switch n {
        case .and(let items):
            var parts: [Filter] = []
            for i in items { parts.append(try element(i)) }
            return .and(parts)
        case .or(let items):
            var parts: [Filter] = []
            for i in items { parts.append(try element(i)) }
            return .or(parts)
        case .not(let inner):
            return .not(try element(inner))
        case .match(let field, let value):
            try checkElementField(field)
            return .element(keywordTest(value))
        case .range(let field, let op, let value):
            try checkElementField(field)
            return .element(try rangeTest(Self.labelElement, op, value))
        case .nested(let path, _):
            throw QuerySyntaxError(.unsupported, "labels hold no nested fields", offset: path.offset)
        }
    }

    /// The field of one label inside a nested label query.
    public static let labelElement = Field("labels", .keyword, .column("labels"), "", example: "")

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

    // MARK: Tests

    private func matchTest(_ f: Field, _ v: Term) throws(QuerySyntaxError) -> ValueTest {
        if v.isLoneWildcard { return .exists }
        switch f.type.elementType {
        case .number:
            if let pieces = v.pieces { return .pattern(pieces, ignoreCase: false) }
            return .number(try number(v, f))
        case .ip:
            if let pieces = v.pieces { return .pattern(pieces, ignoreCase: false) }
            let text = v.text ?? ""
            if text.contains("/") {
                guard let (lo, hi) = IPAddress.cidr(text) else {
                    throw QuerySyntaxError(.badValue, "\(f.name) expects an IP or CIDR, got \"\(text)\"", offset: v.offset)
                }
                return .addressRange(IPKey(lo), IPKey(hi), cidr: text)
            }
            guard let key = IPAddress.key(text) else {
                throw QuerySyntaxError(
                    .badValue, "\(f.name) expects an IP address or CIDR, got \"\(text)\"", offset: v.offset,
                    hint: "for a partial address use a wildcard (10.0.*) or a CIDR (10.0.0.0/16)")
            }
            return .address(IPKey(key))
        case .date:
            let (lo, hi) = try dateRange(v, f)
            return .between(lo, hi)
        default:
            return keywordTest(v)
        }
    }

    private func keywordTest(_ v: Term) -> ValueTest {
        if v.isLoneWildcard { return .exists }
        if let pieces = v.pieces {
            guard options.ignoreCase else { return .pattern(pieces, ignoreCase: false) }
            return .pattern(pieces.map { if case .text(let t) = $0 { return .text(t.lowercased()) } else { return $0 } }, ignoreCase: true)
        }
        let text = v.text ?? ""
        return options.ignoreCase ? .textIgnoringCase(text.lowercased()) : .text(text)
    }

    private func rangeTest(_ f: Field, _ op: RangeOp, _ v: Term) throws(QuerySyntaxError) -> ValueTest {
        switch f.type.elementType {
        case .number:
            return .compare(op, try number(v, f))
        case .ip:
            guard let text = v.text, let key = IPAddress.key(text) else {
                throw QuerySyntaxError(.badValue, "\(f.name) expects an IP address, got \"\(v.text ?? "a pattern")\"", offset: v.offset)
            }
            return .compareAddress(op, IPKey(key))
        case .date:
            let up = op == .gt || op == .lte
            let ms = try date(v, f, roundUp: up)
            return .compare(op, .int(toFieldUnit(ms, f, op: op)))
        default:
            guard let text = v.text else {
                throw QuerySyntaxError(.badValue, "a range needs a plain value, not a pattern", offset: v.offset)
            }
            return .compareText(op, text)
        }
    }

    // MARK: Free text

    private func freeText(_ v: Term) throws(QuerySyntaxError) -> Filter {
        if v.isLoneWildcard { return .always }
        let text = v.text
        // Lenient, as Elasticsearch's multi_match: only values that can be an address reach IP fields (a pattern
        // only when its text could be part of one), and only numbers reach number fields.
        let ipLike = v.pieces?.allSatisfy { piece in
            if case .text(let t) = piece { return t.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" } }
            return true
        } ?? (text.flatMap(IPAddress.key) != nil)
        let numeric = text.map { Int64($0) != nil } ?? false
        var tests: [FieldTest] = []
        for f in FieldCatalogue.fields {
            switch f.type.elementType {
            case .keyword: break
            case .ip: guard ipLike else { continue }
            case .number: guard numeric else { continue }
            default: continue
            }
            tests.append(FieldTest(f, try matchTest(f, v)))
        }
        return .anyField(tests)
    }

    // MARK: Values

    private func number(_ v: Term, _ f: Field) throws(QuerySyntaxError) -> Number {
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
