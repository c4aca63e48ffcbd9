/// A query that cannot be parsed or compiled: a message, the 0-based offset, and a hint where one helps.
public struct QuerySyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes.
    public enum Code: String, Sendable {
        case syntax = "query.syntax"
        case unknownField = "query.unknown_field"
        case badValue = "query.bad_value"
        case unsupported = "query.unsupported"
    }

    public var code: Code
    public var message: String
    public var offset: Int
    public var hint: String?

    public init(_ code: Code, _ message: String, offset: Int, hint: String? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.hint = hint
    }

    public var description: String { message }

    /// The message, the query, and a caret under the offset (plus the hint).
    public func render(query: String) -> String {
        let chars = Array(query)
        let clamped = min(max(offset, 0), chars.count)
        // Show the line holding the offset.
        var lineStart = clamped
        while lineStart > 0 && chars[lineStart - 1] != "\n" { lineStart -= 1 }
        var lineEnd = clamped
        while lineEnd < chars.count && chars[lineEnd] != "\n" { lineEnd += 1 }
        let line = String(chars[lineStart..<lineEnd])
        var out = "\(message) (at offset \(offset))\n    \(line)\n    \(String(repeating: " ", count: clamped - lineStart))^"
        if let hint { out += "\nhint: \(hint)" }
        return out
    }
}
