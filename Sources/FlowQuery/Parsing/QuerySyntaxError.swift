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
        var out = "\(message) (at offset \(offset))\n" + CaretLine.render(query, offset: offset)
        if let hint { out += "\nhint: \(hint)" }
        return out
    }
}
