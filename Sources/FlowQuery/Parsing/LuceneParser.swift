import FlowLog

/// Parses pasted Lucene `query_string` syntax into the same ``QueryNode`` tree as KQL (`--syntax lucene`).
///
/// Accepts `AND`/`OR`/`NOT` (upper case), `&&`, `||`, `!`, `+`/`-`, implicit OR between clauses, `*` and `?`
/// wildcards, `[a TO b]`/`{a TO b}` (mixed brackets, `*` ends), `field:>=v`, `_exists_:field`, `\` escapes.
/// Rejects regular expressions, fuzzy and proximity (`~`) and boosts (`^`) with a clear message.
public struct LuceneParser {
    private let s: [Character]
    private var pos = 0

    public static func parse(_ query: String) throws(QuerySyntaxError) -> QueryNode {
        var p = LuceneParser(s: Array(query))
        p.skipSpaces()
        if p.pos == p.s.count { return .matchAll }
        let node = try p.disjunction(field: nil)
        p.skipSpaces()
        guard p.pos == p.s.count else { throw p.error("unexpected \"\(p.s[p.pos])\"") }
        return node
    }

    private init(s: [Character]) { self.s = s }

    private enum Occur { case should, must, mustNot }

    /// Groups and prefix operators around the current position.
    private var depth = 0

    /// Enters a group or a prefix operator; an error past the nesting bound.
    private mutating func enter() throws(QuerySyntaxError) {
        depth += 1
        if depth > InputLimits.nestingDepth {
            throw QuerySyntaxError(
                .tooDeep, "the query nests more than \(InputLimits.nestingDepth) levels of parentheses or operators",
                offset: pos)
        }
    }

    private func error(_ message: String, at: Int? = nil) -> QuerySyntaxError {
        QuerySyntaxError(.syntax, message, offset: at ?? pos)
    }

    private mutating func disjunction(field: Term?) throws(QuerySyntaxError) -> QueryNode {
        var items: [(Occur, QueryNode)] = []
        while true {
            skipSpaces()
            if pos >= s.count || s[pos] == ")" { break }
            if !items.isEmpty, word("OR") || sym("||") { continue }
            var occur = Occur.should
            if s[pos] == "+" { occur = .must; pos += 1 } else if s[pos] == "-" { occur = .mustNot; pos += 1 }
            var clause = try conjunction(field: field)
            if occur == .mustNot { clause = .not(clause); occur = .must }
            items.append((occur, clause))
        }
        guard !items.isEmpty else { throw error("expected a term") }
        let musts = items.filter { $0.0 == .must }.map(\.1)
        let shoulds = items.filter { $0.0 == .should }.map(\.1)
        if musts.isEmpty { return shoulds.count == 1 ? shoulds[0] : .or(shoulds) }
        var all = musts
        if musts.allSatisfy({ if case .not = $0 { return true } else { return false } }) && !shoulds.isEmpty {
            all.append(shoulds.count == 1 ? shoulds[0] : .or(shoulds))
        }
        return all.count == 1 ? all[0] : .and(all)
    }

    private mutating func conjunction(field: Term?) throws(QuerySyntaxError) -> QueryNode {
        var items = [try unary(field: field)]
        while true {
            let save = pos
            skipSpaces()
            if word("AND") || sym("&&") {
                skipSpaces()
                items.append(try unary(field: field))
            } else {
                pos = save
                break
            }
        }
        return items.count == 1 ? items[0] : .and(items)
    }

    private mutating func unary(field: Term?) throws(QuerySyntaxError) -> QueryNode {
        try enter()
        defer { depth -= 1 }
        skipSpaces()
        if word("NOT") || (pos < s.count && s[pos] == "!" && { pos += 1; return true }()) {
            skipSpaces()
            return .not(try unary(field: field))
        }
        return try primary(field: field)
    }

    private mutating func primary(field: Term?) throws(QuerySyntaxError) -> QueryNode {
        guard pos < s.count else { throw error("expected a term but the query ends") }
        let start = pos
        if s[pos] == "(" {
            pos += 1
            let q = try disjunction(field: field)
            skipSpaces()
            guard pos < s.count, s[pos] == ")" else { throw error("expected \")\"") }
            pos += 1
            try rejectSuffix()
            return q
        }
        if s[pos] == "/" { throw error("regular expressions are not supported", at: start) }
        if field == nil, let name = try fieldName() {
            if name.text == "_exists_" {
                let target = try value()
                return .match(field: target, value: .wildcard(["", ""]))
            }
            return try fieldValue(name)
        }
        let v = try value()
        return .match(field: field, value: v)
    }

    /// `name:` if the next term is followed by a colon.
    private mutating func fieldName() throws(QuerySyntaxError) -> Term? {
        let save = pos
        guard s[pos] != "\"", let t = try termText(), pos < s.count, s[pos] == ":" else {
            pos = save
            return nil
        }
        pos += 1
        return t
    }

    private mutating func fieldValue(_ field: Term) throws(QuerySyntaxError) -> QueryNode {
        skipSpaces()
        guard pos < s.count else { throw error("expected a value after \":\"") }
        switch s[pos] {
        case "(":
            pos += 1
            let q = try disjunction(field: field)
            skipSpaces()
            guard pos < s.count, s[pos] == ")" else { throw error("expected \")\"") }
            pos += 1
            return q
        case "[", "{":
            return try bracketRange(field)
        case ">", "<":
            var op: RangeOp = s[pos] == ">" ? .gt : .lt
            pos += 1
            if pos < s.count, s[pos] == "=" {
                op = op == .gt ? .gte : .lte
                pos += 1
            }
            return .range(field: field, op: op, value: try value())
        case "/":
            throw error("regular expressions are not supported")
        default:
            return .match(field: field, value: try value())
        }
    }

    private mutating func bracketRange(_ field: Term) throws(QuerySyntaxError) -> QueryNode {
        let inclusiveLow = s[pos] == "["
        pos += 1
        skipSpaces()
        let low = try value()
        skipSpaces()
        guard word("TO") else { throw error("expected TO in a range") }
        skipSpaces()
        let high = try value()
        skipSpaces()
        guard pos < s.count, s[pos] == "]" || s[pos] == "}" else { throw error("expected \"]\" or \"}\"") }
        let inclusiveHigh = s[pos] == "]"
        pos += 1
        var parts: [QueryNode] = []
        if !low.isLoneWildcard { parts.append(.range(field: field, op: inclusiveLow ? .gte : .gt, value: low)) }
        if !high.isLoneWildcard { parts.append(.range(field: field, op: inclusiveHigh ? .lte : .lt, value: high)) }
        if parts.isEmpty { return .match(field: field, value: .wildcard(["", ""])) }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    /// A quoted phrase or a term (with `*`/`?` wildcards).
    private mutating func value() throws(QuerySyntaxError) -> Term {
        skipSpaces()
        guard pos < s.count else { throw error("expected a value but the query ends") }
        let start = pos
        if s[pos] == "\"" {
            pos += 1
            var out = ""
            while pos < s.count, s[pos] != "\"" {
                if s[pos] == "\\", pos + 1 < s.count { pos += 1 }
                out.append(s[pos])
                pos += 1
            }
            guard pos < s.count else { throw error("unterminated phrase", at: start) }
            pos += 1
            try rejectSuffix()
            return .string(out, quoted: true, offset: start)
        }
        guard let t = try termText() else { throw error("expected a value") }
        try rejectSuffix()
        return t
    }

    private mutating func rejectSuffix() throws(QuerySyntaxError) {
        guard pos < s.count else { return }
        if s[pos] == "~" { throw error("fuzzy and proximity searches (~) are not supported") }
        if s[pos] == "^" { throw error("boosts (^) are not supported; they change scoring only") }
    }

    private static let specials: Set<Character> = ["+", "-", "!", "(", ")", "{", "}", "[", "]", "^", "\"", "~", ":", "\\", "/", "&", "|", "<", ">"]

    private mutating func termText() throws(QuerySyntaxError) -> Term? {
        let start = pos
        var pieces: [PatternPiece] = []
        var text = ""
        var wild = false
        func flush() {
            if !text.isEmpty { pieces.append(.text(text)); text = "" }
        }
        while pos < s.count {
            let c = s[pos]
            if c == "\\" {
                guard pos + 1 < s.count else { throw error("a query cannot end with \\") }
                text.append(s[pos + 1])
                pos += 2
                continue
            }
            if c.isWhitespace { break }
            if c == "*" || c == "?" {
                flush()
                pieces.append(c == "*" ? .many : .one)
                wild = true
                pos += 1
                continue
            }
            // `-` and `+` inside a term belong to it (kube-system).
            if (c == "-" || c == "+") && pos > start { text.append(c); pos += 1; continue }
            if Self.specials.contains(c) { break }
            text.append(c)
            pos += 1
        }
        if pos == start { return nil }
        if !wild { return .string(text, offset: start) }
        flush()
        if !pieces.contains(.one) {
            var segs = [""]
            for p in pieces {
                if case .text(let t) = p { segs[segs.count - 1] += t } else { segs.append("") }
            }
            return .wildcard(segs, offset: start)
        }
        return Term(.pattern(pieces), offset: start)
    }

    private mutating func word(_ w: String) -> Bool {
        let chars = Array(w)
        guard pos + chars.count <= s.count, Array(s[pos..<(pos + chars.count)]) == chars else { return false }
        let after = pos + chars.count
        guard after == s.count || s[after].isWhitespace || s[after] == "(" else { return false }
        pos = after
        return true
    }

    private mutating func sym(_ w: String) -> Bool {
        let chars = Array(w)
        guard pos + chars.count <= s.count, Array(s[pos..<(pos + chars.count)]) == chars else { return false }
        pos += chars.count
        return true
    }

    private mutating func skipSpaces() {
        while pos < s.count && s[pos].isWhitespace { pos += 1 }
    }
}
