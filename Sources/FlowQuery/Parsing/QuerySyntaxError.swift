import FlowLog
/// A query that cannot be parsed or compiled: a message, the 0-based offset, and a hint where one helps.
public struct QuerySyntaxError: UserError, Equatable {
    /// Stable codes.
    public enum Code: String, Sendable {
        case syntax = "query.syntax"
        case unknownField = "query.unknown_field"
        case badValue = "query.bad_value"
        case unsupported = "query.unsupported"
        case tooDeep = "query.too_deep"
    }

    public var code: Code
    public var message: String
    public var offset: Int
    private var fixedHint: String?
    /// For unknown fields: the name, whose "did you mean …?" is worked out only when asked for.
    private var unknownName: String?

    public init(_ code: Code, _ message: String, offset: Int, hint: String? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.fixedHint = hint
    }

    /// An unknown field, with a suggestion computed lazily (errors are cheap to throw).
    static func unknownField(_ name: String, offset: Int) -> QuerySyntaxError {
        var e = QuerySyntaxError(.unknownField, "unknown field \(name)", offset: offset)
        e.unknownName = name
        return e
    }

    /// A hint where one helps.
    public var hint: String? {
        if let fixedHint { return fixedHint }
        guard let unknownName else { return nil }
        let suggestions = FieldCatalogue.suggestions(for: unknownName)
        return suggestions.isEmpty
            ? "`flowq fields` lists the fields; keys the decoder did not know are queried as extra.KEY"
            : "did you mean \(suggestions.joined(separator: " or "))?"
    }

    public var description: String { message }
    public var errorCode: String { code.rawValue }

    /// The message, the query, and a caret under the offset (plus the hint).
    public func render(query: String) -> String {
        let chars = Array(query)
        let clamped = min(max(offset, 0), chars.count)
        // Show the line holding the offset.
        var lineStart = clamped
        while lineStart > 0 && chars[lineStart - 1] != "\n" { lineStart -= 1 }
        var lineEnd = clamped
        while lineEnd < chars.count && chars[lineEnd] != "\n" { lineEnd += 1 }
        // A long line is shown as a window of 60 characters either side of the offset.
        let from = max(lineStart, clamped - 60), to = min(lineEnd, clamped + 60)
        let line = (from > lineStart ? "…" : "") + String(chars[from..<to]) + (to < lineEnd ? "…" : "")
        let column = clamped - from + (from > lineStart ? 1 : 0)
        var out = "\(message) (at offset \(offset))\n    \(line)\n    \(String(repeating: " ", count: column))^"
        if let hint { out += "\nhint: \(hint)" }
        return out
    }
}
