import FlowLog

/// Parses Kibana Query Language exactly as Kibana's `grammar.peggy` does (see `docs/kql.md`), into ``QueryNode``.
///
/// A hand-written PEG recursive-descent parser (ordered choice with backtracking, farthest-failure error
/// reporting, as Peggy does): no Swift package parses KQL, and a parser generator would give position-less
/// errors. One extension, off with `strict`: an unescaped `:` may appear inside a value word after a field
/// (`policies.all_policies:*staged:default-deny*`).
public struct KQLParser {
    private let s: [Unicode.Scalar]
    private let strict: Bool
    private var pos = 0
    private var farthest = 0
    private var expected: [String] = []
    /// Open groups (`(`, `{`) around the current position, and where the first one past the bound opened.
    private var depth = 0
    private var tooDeep: Int?

    /// Parses `query`.
    /// - Parameter strict: accept exactly what Kibana accepts (no extensions).
    public static func parse(_ query: String, strict: Bool = false) throws(QuerySyntaxError) -> QueryNode {
        var p = KQLParser(source: query, strict: strict)
        return try p.parseStart()
    }

    private init(source: String, strict: Bool) {
        s = Array(source.unicodeScalars)
        self.strict = strict
    }

    // MARK: Entry

    private mutating func parseStart() throws(QuerySyntaxError) -> QueryNode {
        skipSpaces()
        if pos == s.count { return .matchAll }
        let start = pos
        let node = orQuery()
        if let tooDeep {
            throw QuerySyntaxError(
                .tooDeep, "the query nests more than \(InputLimits.nestingDepth) levels of parentheses or braces",
                offset: tooDeep)
        }
        if node == nil { pos = start }
        skipSpaces()
        if pos == s.count, let node { return node }
        fail("end of input")
        throw error()
    }

    private func error() -> QuerySyntaxError {
        let found = farthest < s.count ? "\"\(Character(s[farthest]))\"" : "end of input"
        var uniq: [String] = []
        for e in expected where !uniq.contains(e) { uniq.append(e) }
        uniq.sort()
        let list: String
        if uniq.count <= 1 {
            list = uniq.first ?? "something else"
        } else {
            list = uniq.dropLast().joined(separator: ", ") + " or " + uniq.last!
        }
        return QuerySyntaxError(
            .syntax, "Expected \(list) but \(found) found.", offset: farthest, hint: LuceneHint.hint(for: String(String.UnicodeScalarView(s))))
    }

    /// Records what was expected at the current position (only the farthest position matters, as in Peggy).
    private mutating func fail(_ what: @autoclosure () -> String) {
        if pos > farthest {
            farthest = pos
            expected = [what()]
        } else if pos == farthest, expected.count < 16 {
            expected.append(what())
        }
    }

    // MARK: Queries

    private mutating func orQuery() -> QueryNode? {
        guard let first = andQuery() else { return nil }
        var items = [first]
        while true {
            let save = pos
            guard keywordOr(), let next = andQuery() else {
                pos = save
                break
            }
            items.append(next)
        }
        return items.count == 1 ? first : .or(items)
    }

    private mutating func andQuery() -> QueryNode? {
        guard let first = notQuery() else { return nil }
        var items = [first]
        while true {
            let save = pos
            guard keywordAnd(), let next = notQuery() else {
                pos = save
                break
            }
            items.append(next)
        }
        return items.count == 1 ? first : .and(items)
    }

    private mutating func notQuery() -> QueryNode? {
        let save = pos
        if keywordNot() {
            if let q = subQuery() { return .not(q) }
            pos = save
        }
        return subQuery()
    }

    /// Enters a group at `pos`; false (and the query fails) past the nesting bound.
    private mutating func enter() -> Bool {
        guard tooDeep == nil else { return false }
        depth += 1
        if depth > InputLimits.nestingDepth {
            tooDeep = pos
            return false
        }
        return true
    }

    private mutating func subQuery() -> QueryNode? {
        let save = pos
        guard enter() else { return nil }
        defer { depth -= 1 }
        if char("(") {
            skipSpaces()
            if let q = orQuery() {
                skipSpaces()
                if char(")") { return q }
            }
            pos = save
        }
        return nestedQuery()
    }

    private mutating func nestedQuery() -> QueryNode? {
        let save = pos
        if let field = literal(allowColon: false) {
            skipSpaces()
            if char(":") {
                skipSpaces()
                if char("{") {
                    skipSpaces()
                    if let q = orQuery() {
                        skipSpaces()
                        if char("}") { return .nested(path: field, query: q) }
                    }
                }
            }
        }
        pos = save
        return expression()
    }

    private mutating func expression() -> QueryNode? {
        let save = pos
        // FieldRangeExpression
        if let field = literal(allowColon: false) {
            skipSpaces()
            if let op = rangeOp() {
                skipSpaces()
                if let value = literal(allowColon: !strict) { return .range(field: field, op: op, value: value) }
            }
        }
        pos = save
        // FieldValueExpression
        if let field = literal(allowColon: false) {
            skipSpaces()
            if char(":") {
                skipSpaces()
                if let node = listOfValues(field: fieldTerm(field)) { return node }
            }
        }
        pos = save
        // ValueExpression (free text)
        if let value = literal(allowColon: false) { return .match(field: nil, value: value) }
        pos = save
        return nil
    }

    /// An unquoted `null` field means "no field".
    private func fieldTerm(_ t: Term) -> Term? {
        if case .literal(.null, quoted: false) = t.kind { return nil }
        return t
    }

    private mutating func rangeOp() -> RangeOp? {
        if str("<=") { return .lte }
        if str(">=") { return .gte }
        if char("<") { return .lt }
        if char(">") { return .gt }
        fail("\"<\"")
        fail("\"<=\"")
        fail("\">\"")
        fail("\">=\"")
        return nil
    }

    // MARK: Value lists

    private mutating func listOfValues(field: Term?) -> QueryNode? {
        let save = pos
        guard enter() else { return nil }
        defer { depth -= 1 }
        if char("(") {
            skipSpaces()
            if let q = orList(field: field) {
                skipSpaces()
                if char(")") { return q }
            }
            pos = save
        }
        guard let v = literal(allowColon: !strict) else { return nil }
        return .match(field: field, value: v)
    }

    private mutating func orList(field: Term?) -> QueryNode? {
        guard let first = andList(field: field) else { return nil }
        var items = [first]
        while true {
            let save = pos
            guard keywordOr(), let next = andList(field: field) else {
                pos = save
                break
            }
            items.append(next)
        }
        return items.count == 1 ? first : .or(items)
    }

    private mutating func andList(field: Term?) -> QueryNode? {
        guard let first = notList(field: field) else { return nil }
        var items = [first]
        while true {
            let save = pos
            guard keywordAnd(), let next = notList(field: field) else {
                pos = save
                break
            }
            items.append(next)
        }
        return items.count == 1 ? first : .and(items)
    }

    private mutating func notList(field: Term?) -> QueryNode? {
        let save = pos
        if keywordNot() {
            if let q = listOfValues(field: field) { return .not(q) }
            pos = save
        }
        return listOfValues(field: field)
    }

    // MARK: Literals

    private mutating func literal(allowColon: Bool) -> Term? {
        if pos < s.count && s[pos] == "\"" { return quotedString() }
        return unquotedLiteral(allowColon: allowColon)
    }

    private mutating func quotedString() -> Term? {
        let start = pos
        pos += 1
        var out = String.UnicodeScalarView()
        while pos < s.count {
            let c = s[pos]
            if c == "\"" {
                pos += 1
                return .literal(.string(String(out)), quoted: true, offset: start)
            }
            if c == "\\" && pos + 1 < s.count {
                let n = s[pos + 1]
                switch n {
                case "t": out.append("\t"); pos += 2; continue
                case "r": out.append("\r"); pos += 2; continue
                case "n": out.append("\n"); pos += 2; continue
                case "\\", "\"": out.append(n); pos += 2; continue
                case "u":
                    if let (scalar, len) = unicodeEscape(at: pos) {
                        out.append(scalar)
                        pos += len
                        continue
                    }
                default: break
                }
            }
            out.append(c)
            pos += 1
        }
        fail("\"\\\"\"")
        pos = start
        return nil
    }

    private mutating func unquotedLiteral(allowColon: Bool) -> Term? {
        let start = pos
        var segments = [String.UnicodeScalarView()]
        var wildcard = false
        var consumed = 0
        var sawSpace = false
        loop: while pos < s.count {
            let c = s[pos]
            if c == "\\" {
                guard pos + 1 < s.count else { fail("escape"); break }
                let n = s[pos + 1]
                switch n {
                case "t": segments[segments.count - 1].append("\t"); pos += 2
                case "r": segments[segments.count - 1].append("\r"); pos += 2
                case "n": segments[segments.count - 1].append("\n"); pos += 2
                default:
                    if Self.isSpecial(n) {
                        segments[segments.count - 1].append(n)
                        pos += 2
                    } else if n == "u", let (scalar, len) = unicodeEscape(at: pos) {
                        segments[segments.count - 1].append(scalar)
                        pos += len
                    } else if let kw = escapedKeyword(at: pos + 1) {
                        segments[segments.count - 1].append(contentsOf: kw.unicodeScalars)
                        pos += 1 + kw.unicodeScalars.count
                    } else {
                        fail("escape sequence")
                        break loop
                    }
                }
                consumed += 1
                continue
            }
            if c == "*" {
                wildcard = true
                segments.append(String.UnicodeScalarView())
                pos += 1
                consumed += 1
                continue
            }
            if Self.isSpecial(c) {
                // Extension: a `:` inside a value word (no whitespace before it in this value).
                if c == ":" && allowColon && consumed > 0 && !sawSpace && pos + 1 < s.count
                    && !Self.isSpace(s[pos + 1]) && s[pos + 1] != "(" && s[pos + 1] != "{"
                {
                    segments[segments.count - 1].append(c)
                    pos += 1
                    consumed += 1
                    continue
                }
                break
            }
            if keywordAhead() { break }
            if Self.isSpace(c) { sawSpace = true }
            segments[segments.count - 1].append(c)
            pos += 1
            consumed += 1
        }
        if consumed == 0 {
            fail("literal")
            pos = start
            return nil
        }
        // JS trim() over the whole text: the start of the first segment, the end of the last.
        let strs = segments.indices.map { i in
            Self.trimmed(segments[i], start: i == 0, end: i == segments.count - 1)
        }
        if wildcard { return .wildcard(strs, offset: start) }
        let text = strs[0]
        switch text {
        case "null": return .literal(.null, quoted: false, offset: start)
        case "true": return .literal(.bool(true), quoted: false, offset: start)
        case "false": return .literal(.bool(false), quoted: false, offset: start)
        default: return .literal(.string(text), quoted: false, offset: start)
        }
    }

    /// `\uXXXX` at `i` (a surrogate pair as two escapes is joined).
    private func unicodeEscape(at i: Int) -> (Unicode.Scalar, Int)? {
        guard let hi = hex4(i + 2) else { return nil }
        if hi >= 0xD800 && hi < 0xDC00, s.count >= i + 12, s[i + 6] == "\\", s[i + 7] == "u",
            let lo = hex4(i + 8), lo >= 0xDC00 && lo < 0xE000
        {
            return Unicode.Scalar(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).map { ($0, 12) }
        }
        return Unicode.Scalar(hi).map { ($0, 6) } ?? ("\u{FFFD}", 6)
    }

    private func hex4(_ i: Int) -> UInt32? {
        guard i + 4 <= s.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let d = hexValue(s[i + k]) else { return nil }
            v = v << 4 | d
        }
        return v
    }

    private func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 0x30...0x39: return c.value - 0x30
        case 0x41...0x46: return c.value - 0x41 + 10
        case 0x61...0x66: return c.value - 0x61 + 10
        default: return nil
        }
    }

    /// `or`, `and`, `not` (any case) written after a backslash: kept as written.
    private func escapedKeyword(at i: Int) -> String? {
        for (kw, n) in [("and" as StaticString, 3), ("not", 3), ("or", 2)] where word(kw, at: i) {
            return String(String.UnicodeScalarView(s[i..<(i + n)]))
        }
        return nil
    }

    // MARK: Keywords and characters

    /// Whether a keyword (`Or`, `And`, `Not`) starts at the current position (it ends a literal).
    private func keywordAhead() -> Bool {
        if notAhead(pos) { return true }
        guard pos < s.count, Self.isSpace(s[pos]) else { return false }
        var p = pos
        while p < s.count && Self.isSpace(s[p]) { p += 1 }
        if word("or", at: p) && p + 2 < s.count && Self.isSpace(s[p + 2]) { return true }
        if word("and", at: p) && p + 3 < s.count && Self.isSpace(s[p + 3]) { return true }
        return false
    }

    private func notAhead(_ p: Int) -> Bool {
        word("not", at: p) && p + 3 < s.count && Self.isSpace(s[p + 3])
    }

    /// A keyword (ASCII, lower case) at `p`, in any case.
    private func word(_ w: StaticString, at p: Int) -> Bool {
        let n = w.utf8CodeUnitCount
        guard p + n <= s.count else { return false }
        for i in 0..<n {
            var v = s[p + i].value
            if v >= 0x41 && v <= 0x5A { v += 0x20 }
            if v != UInt32(w.utf8Start[i]) { return false }
        }
        return true
    }

    private mutating func keywordOr() -> Bool { binaryKeyword("or", "OR") }
    private mutating func keywordAnd() -> Bool { binaryKeyword("and", "AND") }

    private mutating func binaryKeyword(_ w: StaticString, _ label: String) -> Bool {
        let save = pos
        guard pos < s.count, Self.isSpace(s[pos]) else {
            fail(label)
            return false
        }
        skipSpaces()
        guard word(w, at: pos) else {
            fail(label)
            pos = save
            return false
        }
        pos += w.utf8CodeUnitCount
        guard pos < s.count, Self.isSpace(s[pos]) else {
            fail("whitespace")
            pos = save
            return false
        }
        skipSpaces()
        return true
    }

    private mutating func keywordNot() -> Bool {
        guard word("not", at: pos), pos + 3 < s.count, Self.isSpace(s[pos + 3]) else {
            fail("NOT")
            return false
        }
        pos += 3
        skipSpaces()
        return true
    }

    private mutating func char(_ c: Unicode.Scalar) -> Bool {
        if pos < s.count && s[pos] == c {
            pos += 1
            return true
        }
        fail("\"\(c)\"")
        return false
    }

    private mutating func str(_ w: StaticString) -> Bool {
        let n = w.utf8CodeUnitCount
        guard pos + n <= s.count else { return false }
        for i in 0..<n where s[pos + i].value != UInt32(w.utf8Start[i]) { return false }
        pos += n
        return true
    }

    private mutating func skipSpaces() {
        while pos < s.count && Self.isSpace(s[pos]) { pos += 1 }
    }

    /// KQL whitespace: space, tab, CR, LF and no-break space.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\r" || c == "\n" || c == "\u{A0}"
    }

    /// `\ ( ) : < > " * { }`
    static func isSpecial(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "\\", "(", ")", ":", "<", ">", "\"", "*", "{", "}": return true
        default: return false
        }
    }

    /// What JavaScript's `trim()` removes.
    static func isTrimmable(_ c: Unicode.Scalar) -> Bool {
        c.properties.isWhitespace || c == "\u{FEFF}"
    }

    /// `scalars` as text, with what `trim()` removes cut from its start and its end as asked (scalar by scalar, as
    /// JavaScript trims code units; no reversed or dropped views, whose generic types cost a first use each).
    static func trimmed(_ scalars: String.UnicodeScalarView, start: Bool, end: Bool) -> String {
        var lower = scalars.startIndex
        var upper = scalars.endIndex
        if start {
            while lower < upper, isTrimmable(scalars[lower]) { lower = scalars.index(after: lower) }
        }
        if end {
            while upper > lower {
                let last = scalars.index(before: upper)
                guard isTrimmable(scalars[last]) else { break }
                upper = last
            }
        }
        return String(scalars[lower..<upper])
    }
}
