/// SQL text with `?` placeholders and the values bound to them, in order. Values are never spliced into the text.
public struct SQLFragment: Sendable, Equatable {
    public var sql: String
    public var bindings: [SQLValue]

    public init(_ sql: String, _ bindings: [SQLValue] = []) {
        self.sql = sql
        self.bindings = bindings
    }

    /// `a AND b`, bindings in order.
    public func and(_ other: SQLFragment?) -> SQLFragment {
        guard let other else { return self }
        return SQLFragment("(\(sql)) AND (\(other.sql))", bindings + other.bindings)
    }

    /// All of `parts` (the ones present), or `nil` when none is.
    public static func all(_ parts: [SQLFragment?]) -> SQLFragment? {
        parts.reduce(nil) { sum, part in sum.map { $0.and(part) } ?? part }
    }
}

/// A bound SQL value.
public enum SQLValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null

    /// The integer of an `.int` value (a `.real` truncated), else `nil`.
    public var int: Int64? {
        switch self {
        case .int(let i): return i
        case .real(let d): return d.isFinite ? Int64(exactly: d.rounded(.towardZero)) : nil
        default: return nil
        }
    }

    /// The text of a `.text` value, else `nil`.
    public var text: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case .blob(let b): return "x'" + b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "'"
        case .null: return "NULL"
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound]
            out += b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
