import FlowLog

/// Parses Calico's selector language as Calico does (`libcalico-go/lib/selector`: a tokenizer, then a recursive
/// descent over the tokens), so that what Calico accepts, rejects and how it groups is what flowq does:
///
/// - Only space and tab separate tokens. Strings are in `'` or `"`, without escapes.
/// - A label name is a run of ASCII letters, digits and `_ . / -` (no length limit: Calico's lexer has none).
/// - `has(`, `all(` and `global(` are keywords only with the `(` right after the word; spaces may follow the `(`
///   and precede the `)`. So `has`, `all`, `in` or `not` alone are label names.
/// - After a label, the operator is read by prefix, as Calico's lexer does: `contains`, `starts` + `with` and
///   `ends` + `with` (spaces between the two words optional: `startswith` is an operator), `not` + `in`
///   (`notin` too), `in`, `==`, `!=`.
/// - A set literal may end with a comma (`{'a',}`); `{}` is the empty set.
/// - `!` may repeat; `&&` binds tighter than `||`; each chain is one n-ary node, each parenthesis a new one.
///
/// Written by hand: no Swift package parses Calico selectors, and errors need their position. Bounded, unlike
/// Calico's: at most ``InputLimits/nestingDepth`` levels of parentheses and ``InputLimits/selectorOperators``
/// operators.
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

    enum Kind: Equatable {
        case label, string, lbrace, rbrace, comma, eq, ne, inSet, notIn, contains, startsWith, endsWith
        case not, all, global, has, lparen, rparen, and, or, eof
    }

    struct Token {
        var kind: Kind
        var value = ""
        /// Offset in characters.
        var offset: Int
    }

    private let tokens: [Token]
    private var i = 0
    private var depth = 0
    private var operators = 0

    public static func parse(_ text: String) throws(ParseError) -> Selector {
        var p = SelectorParser(tokens: try tokenize(text))
        if p.tokens[0].kind == .eof { return .all }  // An empty selector selects everything, as in Calico.
        let sel = try p.or()
        guard p.peek.kind == .eof else { throw p.error("unexpected content at the end of the selector") }
        return sel
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var peek: Token { tokens[i] }

    private func error(_ m: String) -> ParseError { ParseError(message: m, offset: peek.offset) }

    // MARK: Tokens

    private static func isLabelByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "/") || b == UInt8(ascii: "-")
    }

    /// The longest label name Calico's lexer takes (`MaxLabelLength` in its tokenizer).
    public static let maxLabelLength = 512

    /// Calico's lexer over the UTF-8 bytes; offsets are reported in characters.
    static func tokenize(_ text: String) throws(ParseError) -> [Token] {
        let b = Array(text.utf8)
        var pos = 0
        var out: [Token] = []
        // Character offsets of every byte offset, computed once (UTF-8 continuation bytes are 10xxxxxx).
        var chars = [Int](repeating: 0, count: b.count + 1)
        for (k, byte) in b.enumerated() { chars[k + 1] = chars[k] + (byte & 0xC0 == 0x80 ? 0 : 1) }
        func offset(_ at: Int) -> Int { chars[min(at, b.count)] }
        func fail(_ m: String, _ at: Int) -> ParseError { ParseError(message: m, offset: offset(at)) }
        func skipSpace() { while pos < b.count, b[pos] == 0x20 || b[pos] == 0x09 { pos += 1 } }
        func starts(_ word: String) -> Bool {
            let w = Array(word.utf8)
            return pos + w.count <= b.count && Array(b[pos..<(pos + w.count)]) == w
        }
        /// A label name: Calico's identifier bytes, at most `maxLabelLength` of them.
        func label() throws(ParseError) -> String? {
            let start = pos
            while pos < b.count, isLabelByte(b[pos]) { pos += 1 }
            guard pos - start <= SelectorParser.maxLabelLength else {
                throw fail("label longer than \(SelectorParser.maxLabelLength) bytes", start)
            }
            return pos > start ? String(decoding: b[start..<pos], as: UTF8.self) : nil
        }
        /// `word(` then spaces then `)`: `all()`, `global()`.
        func emptyCall(_ word: String, _ kind: Kind, _ start: Int) throws(ParseError) -> Token {
            pos += word.utf8.count + 1
            skipSpace()
            guard pos < b.count, b[pos] == UInt8(ascii: ")") else { throw fail("no closing \")\" after \(word)(", pos) }
            pos += 1
            return Token(kind: kind, offset: offset(start))
        }
        while true {
            skipSpace()
            let start = pos
            guard pos < b.count else {
                out.append(Token(kind: .eof, offset: offset(pos)))
                return out
            }
            let c = b[pos]
            switch c {
            case UInt8(ascii: "("): pos += 1; out.append(Token(kind: .lparen, offset: offset(start)))
            case UInt8(ascii: ")"): pos += 1; out.append(Token(kind: .rparen, offset: offset(start)))
            case UInt8(ascii: "{"): pos += 1; out.append(Token(kind: .lbrace, offset: offset(start)))
            case UInt8(ascii: "}"): pos += 1; out.append(Token(kind: .rbrace, offset: offset(start)))
            case UInt8(ascii: ","): pos += 1; out.append(Token(kind: .comma, offset: offset(start)))
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                pos += 1
                let from = pos
                while pos < b.count, b[pos] != c { pos += 1 }
                guard pos < b.count else { throw fail("unterminated string", start) }
                out.append(Token(kind: .string, value: String(decoding: b[from..<pos], as: UTF8.self), offset: offset(start)))
                pos += 1
            case UInt8(ascii: "="):
                guard pos + 1 < b.count, b[pos + 1] == UInt8(ascii: "=") else { throw fail("expected ==", start) }
                pos += 2
                out.append(Token(kind: .eq, offset: offset(start)))
            case UInt8(ascii: "!"):
                if pos + 1 < b.count, b[pos + 1] == UInt8(ascii: "=") {
                    pos += 2
                    out.append(Token(kind: .ne, offset: offset(start)))
                } else {
                    pos += 1
                    out.append(Token(kind: .not, offset: offset(start)))
                }
            case UInt8(ascii: "&"):
                guard pos + 1 < b.count, b[pos + 1] == UInt8(ascii: "&") else { throw fail("expected &&", start) }
                pos += 2
                out.append(Token(kind: .and, offset: offset(start)))
            case UInt8(ascii: "|"):
                guard pos + 1 < b.count, b[pos + 1] == UInt8(ascii: "|") else { throw fail("expected ||", start) }
                pos += 2
                out.append(Token(kind: .or, offset: offset(start)))
            default:
                if out.last?.kind == .label {
                    // After a label: an operator, read by prefix as Calico's lexer does.
                    func two(_ first: String, _ second: String, _ kind: Kind) throws(ParseError) -> Token {
                        pos += first.utf8.count
                        skipSpace()
                        guard starts(second) else {
                            throw fail("expected an operator after the label \"\(out.last?.value ?? "")\"", start)
                        }
                        pos += second.utf8.count
                        return Token(kind: kind, offset: offset(start))
                    }
                    if starts("contains") {
                        pos += "contains".utf8.count
                        out.append(Token(kind: .contains, offset: offset(start)))
                    } else if starts("starts") {
                        out.append(try two("starts", "with", .startsWith))
                    } else if starts("ends") {
                        out.append(try two("ends", "with", .endsWith))
                    } else if starts("not") {
                        out.append(try two("not", "in", .notIn))
                    } else if starts("in") {
                        pos += 2
                        out.append(Token(kind: .inSet, offset: offset(start)))
                    } else {
                        throw fail("expected an operator after the label \"\(out.last?.value ?? "")\"", start)
                    }
                } else if starts("has(") {
                    pos += 4
                    skipSpace()
                    guard let name = try label() else { throw fail("no label name in has(", pos) }
                    skipSpace()
                    guard pos < b.count, b[pos] == UInt8(ascii: ")") else { throw fail("no closing \")\" after has(", pos) }
                    pos += 1
                    out.append(Token(kind: .has, value: name, offset: offset(start)))
                } else if starts("all(") {
                    out.append(try emptyCall("all", .all, start))
                } else if starts("global(") {
                    out.append(try emptyCall("global", .global, start))
                } else if let name = try label() {
                    out.append(Token(kind: .label, value: name, offset: offset(start)))
                } else {
                    throw fail("unexpected character", start)
                }
            }
        }
    }

    // MARK: Grammar

    private mutating func or() throws(ParseError) -> Selector {
        var items = [try and()]
        while peek.kind == .or {
            try countOperator()
            i += 1
            items.append(try and())
        }
        return items.count == 1 ? items[0] : .or(items)
    }

    private mutating func and() throws(ParseError) -> Selector {
        var items = [try operation()]
        while peek.kind == .and {
            try countOperator()
            i += 1
            items.append(try operation())
        }
        return items.count == 1 ? items[0] : .and(items)
    }

    private mutating func countOperator() throws(ParseError) {
        operators += 1
        if operators > InputLimits.selectorOperators {
            throw error("the selector has more than \(InputLimits.selectorOperators) && and || operators")
        }
    }

    /// A possibly negated operation: `!`s collapse to one negation or none, as in Calico (a loop: any number).
    private mutating func operation() throws(ParseError) -> Selector {
        var negated = false
        while peek.kind == .not {
            negated.toggle()
            i += 1
        }
        let op = try primary()
        return negated ? .not(op) : op
    }

    private mutating func primary() throws(ParseError) -> Selector {
        let t = peek
        switch t.kind {
        case .has:
            i += 1
            return .has(t.value)
        case .all:
            i += 1
            return .all
        case .global:
            i += 1
            return .global
        case .lparen:
            depth += 1
            defer { depth -= 1 }
            if depth > InputLimits.nestingDepth {
                throw error("the selector nests more than \(InputLimits.nestingDepth) levels of parentheses or !")
            }
            i += 1
            let inner = try or()
            guard peek.kind == .rparen else { throw error("expected \")\"") }
            i += 1
            return inner
        case .label:
            i += 1
            let op = peek
            i += 1
            switch op.kind {
            case .eq: return .equals(t.value, try string())
            case .ne: return .notEquals(t.value, try string())
            case .contains: return .contains(t.value, try string())
            case .startsWith: return .startsWith(t.value, try string())
            case .endsWith: return .endsWith(t.value, try string())
            case .inSet: return .inSet(t.value, try set())
            case .notIn: return .notInSet(t.value, try set())
            default:
                i -= 1
                throw error("expected ==, !=, in, not in, contains, starts with or ends with after \"\(t.value)\"")
            }
        case .eof:
            throw error("unexpected end of the selector")
        default:
            throw error("unexpected token")
        }
    }

    private mutating func string() throws(ParseError) -> String {
        guard peek.kind == .string else { throw error("expected a quoted value") }
        defer { i += 1 }
        return peek.value
    }

    /// `{` values separated by commas, an optional comma before `}`.
    private mutating func set() throws(ParseError) -> [String] {
        guard peek.kind == .lbrace else { throw error("expected a set literal {…}") }
        i += 1
        var out: [String] = []
        while peek.kind == .string {
            out.append(peek.value)
            i += 1
            guard peek.kind == .comma else { break }
            i += 1
        }
        guard peek.kind == .rbrace else { throw error("expected \"}\"") }
        i += 1
        return out
    }
}
