/// Why a line could not be decoded. The code is stable (it is stored with each reject).
public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public enum Code: String, Sendable {
        case invalidJSON = "invalid_json"
        case invalidUTF8 = "invalid_utf8"
        case notAnObject = "not_an_object"
        case wrongType = "wrong_type"
        case emptyLine = "empty_line"
        case lineTooLong = "line_too_long"
        case truncated = "truncated"
        /// Valid JSON that is not a flow of its format (a Goldmane flow without its key, an unknown enum value).
        case invalidFlow = "invalid_flow"
    }

    public var code: Code
    /// A sentence for people: what was wrong and where.
    public var message: String
    /// The byte offset within the line where the problem was found.
    public var position: Int

    public init(_ code: Code, _ message: String, at position: Int) {
        self.code = code
        self.message = message
        self.position = position
    }

    public var description: String { "\(code.rawValue): \(message) (at byte \(position))" }
}
