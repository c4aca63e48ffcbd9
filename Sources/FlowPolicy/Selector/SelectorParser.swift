import FlowLog
/// Parses Calico's selector language. Only space and tab separate tokens (Calico's lexer).
/// Hand-written: no package parses Calico selectors, and errors need the position.
public struct SelectorParser {
    /// A selector that does not parse: the message and the 0-based offset.
    public struct ParseError: UserError, Equatable {
        public var message: String
        public var offset: Int
        public var summary: String { "\(message) (at offset \(offset))" }
        public var description: String { summary }
        public var errorCode: String { "selector.syntax" }

        /// The message, the selector, and a caret under the offset.
        public func render(_ text: String) -> String {
            "\(message) (at offset \(offset))\n" + CaretLine.render(text, offset: offset)
        }
    }

    private let s: [Character]
    private var pos = 0
    /// Groups and `!` around the current position, and `&&`/`||` operators read so far.
    private var depth = 0
    private var operators = 0

    public static func parse(_ text: String) throws(ParseError) -> Selector {
        var p = SelectorParser(s: Array(text))
        p.skip()
        if p.pos == p.s.count { return .all }  // An empty selector selects everything, as in Calico.
        let sel = try p.or()
        p.skip()
        guard p.pos == p.s.count else { throw p.error("unexpected \"\(p.s[p.pos])\"") }
        return sel
    }

    private init(s: [Character]) { self.s = s }

    private func error(_ m: String) -> ParseError { ParseError(message: m, offset: pos) }

    private mutating func skip() {
        while pos < s.count && (s[pos] == " " || s[pos] == "\t") { pos += 1 }
    }

    private mutating func eat(_ t: String) -> Bool {
        skip()
        let c = Array(t)
        guard pos + c.count <= s.count, Array(s[pos..<(pos + c.count)]) == c else { return false }
        pos += c.count
        return true
    }

    /// A keyword that is not the start of a longer label key.
    private mutating func keyword(_ t: String) -> Bool {
        let save = pos
        guard eat(t) else { return false }
        if pos < s.count, isKeyChar(s[pos]) {
            pos = save
            return false
        }
        return true
    }

    private mutating func or() throws(ParseError) -> Selector {
        var left = try and()
        while eat("||") {
            try countOperator()
            left = .or(left, try and())
        }
        return left
    }

    private mutating func and() throws(ParseError) -> Selector {
        var left = try unary()
        while eat("&&") {
            try countOperator()
            left = .and(left, try unary())
        }
        return left
    }

    private mutating func countOperator() throws(ParseError) {
        operators += 1
        if operators > InputLimits.selectorOperators {
            throw error("the selector has more than \(InputLimits.selectorOperators) && and || operators")
        }
    }

    private mutating func unary() throws(ParseError) -> Selector {
        depth += 1
        defer { depth -= 1 }
        if depth > InputLimits.nestingDepth {
            throw error("the selector nests more than \(InputLimits.nestingDepth) levels of parentheses or !")
        }
        if eat("!") { return .not(try unary()) }
        return try primary()
    }

    private mutating func primary() throws(ParseError) -> Selector {
        skip()
        if eat("(") {
            let inner = try or()
            guard eat(")") else { throw error("expected \")\"") }
            return inner
        }
        if eat("all()") { return .all }
        if eat("global()") { return .global }
        if keyword("has") {
            guard eat("(") else { throw error("expected \"(\" after has") }
            let k = try key()
            guard eat(")") else { throw error("expected \")\"") }
            return .has(k)
        }
        let k = try key()
        skip()
        if eat("==") { return .equals(k, try value()) }
        if eat("!=") { return .notEquals(k, try value()) }
        if keyword("in") { return .inSet(k, try set()) }
        if keyword("not") {
            guard keyword("in") else { throw error("expected \"in\" after \"not\"") }
            return .notInSet(k, try set())
        }
        if keyword("contains") { return .contains(k, try value()) }
        if keyword("starts") {
            guard keyword("with") else { throw error("expected \"with\" after \"starts\"") }
            return .startsWith(k, try value())
        }
        if keyword("ends") {
            guard keyword("with") else { throw error("expected \"with\" after \"ends\"") }
            return .endsWith(k, try value())
        }
        throw error("expected ==, !=, in, not in, contains, starts with or ends with after \"\(k)\"")
    }

    private func isKeyChar(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "." || c == "/" || c == "-"
    }

    private mutating func key() throws(ParseError) -> String {
        skip()
        let start = pos
        while pos < s.count, isKeyChar(s[pos]) { pos += 1 }
        guard pos > start else { throw error(pos < s.count ? "expected a label key, found \"\(s[pos])\"" : "expected a label key") }
        return String(s[start..<pos])
    }

    private mutating func value() throws(ParseError) -> String {
        skip()
        guard pos < s.count, s[pos] == "\"" || s[pos] == "'" else { throw error("expected a quoted value") }
        let quote = s[pos]
        pos += 1
        let start = pos
        while pos < s.count, s[pos] != quote { pos += 1 }
        guard pos < s.count else { throw error("unterminated string") }
        let v = String(s[start..<pos])
        pos += 1
        return v
    }

    private mutating func set() throws(ParseError) -> [String] {
        guard eat("{") else { throw error("expected \"{\"") }
        var out: [String] = []
        skip()
        if eat("}") { return out }
        while true {
            out.append(try value())
            if eat(",") { continue }
            guard eat("}") else { throw error("expected \",\" or \"}\"") }
            return out
        }
    }
}
