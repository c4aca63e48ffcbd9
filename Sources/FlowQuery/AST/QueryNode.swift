/// A parsed query, in the shape of Kibana's KQL AST (`and`, `or`, `not`, `is`, `range`, `nested`).
public indirect enum QueryNode: Sendable, Equatable {
    case and([QueryNode])
    case or([QueryNode])
    case not(QueryNode)
    /// `field: value`; a `nil` field is free text against the default fields.
    case match(field: Term?, value: Term)
    case range(field: Term, op: RangeOp, value: Term)
    case nested(path: Term, query: QueryNode)

    /// The match-all query (`is(*, *)`): what the empty query parses to.
    public static let matchAll = QueryNode.match(field: .wildcard(["", ""]), value: .wildcard(["", ""]))
}

/// A range comparison.
public enum RangeOp: String, Sendable, Equatable {
    case lt, lte, gt, gte

    /// The comparison's symbol (`<`, `<=`, `>`, `>=`), as SQL writes it.
    public var symbol: String {
        switch self {
        case .lt: "<"
        case .lte: "<="
        case .gt: ">"
        case .gte: ">="
        }
    }
}

/// A field name or a value.
public struct Term: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A literal: a string, or the JSON literals `true`, `false`, `null` (unquoted only).
        case literal(LiteralValue, quoted: Bool)
        /// A wildcard pattern: the literal text between unescaped `*`s.
        case wildcard([String])
        /// A Lucene pattern with `?` (one character) as well as `*`: pieces in order.
        case pattern([PatternPiece])
    }

    public var kind: Kind
    /// The 0-based offset where the term starts in the query (not part of equality).
    public var offset: Int

    public init(_ kind: Kind, offset: Int = 0) {
        self.kind = kind
        self.offset = offset
    }

    public static func literal(_ value: LiteralValue, quoted: Bool, offset: Int = 0) -> Term {
        Term(.literal(value, quoted: quoted), offset: offset)
    }

    public static func string(_ s: String, quoted: Bool = false, offset: Int = 0) -> Term {
        Term(.literal(.string(s), quoted: quoted), offset: offset)
    }

    public static func wildcard(_ segments: [String], offset: Int = 0) -> Term {
        Term(.wildcard(segments), offset: offset)
    }

    public static func == (a: Term, b: Term) -> Bool { a.kind == b.kind }

    /// `true` for the lone `*`.
    public var isLoneWildcard: Bool {
        if case .wildcard(let s) = kind { return s.count == 2 && s[0].isEmpty && s[1].isEmpty }
        return false
    }

    /// The text of a literal (`true`/`false`/`null` as words), or `nil` for patterns.
    public var text: String? {
        guard case .literal(let v, _) = kind else { return nil }
        switch v {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    /// The pattern's pieces, for wildcards and Lucene patterns.
    public var pieces: [PatternPiece]? {
        switch kind {
        case .literal: return nil
        case .wildcard(let segs):
            var out: [PatternPiece] = []
            for (i, s) in segs.enumerated() {
                if i > 0 { out.append(.many) }
                if !s.isEmpty { out.append(.text(s)) }
            }
            return out
        case .pattern(let p): return p
        }
    }
}

/// A literal value.
public enum LiteralValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case null
}

/// A piece of a wildcard pattern.
public enum PatternPiece: Sendable, Equatable {
    case text(String)
    /// `*`: any run of characters.
    case many
    /// `?` (Lucene only): one character.
    case one
}
