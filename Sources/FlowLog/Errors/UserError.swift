/// An error a user can act on: a stable code and a message that says what to do.
///
/// Every module's error type conforms; `flowq` prints any of them in one place (``message`` then the code in
/// brackets) and exits with 2, never with a stack trace.
public protocol UserError: Error, Sendable, CustomStringConvertible {
    /// A stable dotted code, such as `store.busy` or `query.syntax`: scripts may match on it.
    var errorCode: String { get }
    /// What went wrong, for a person.
    var message: String { get }
    /// The message with its context (a file and line, say), without the code; ``message`` unless a type adds some.
    var summary: String { get }
}

extension UserError {
    public var summary: String { message }

    /// The summary and its code: `cannot open x.db: no database [store.cannot_open]`.
    public var description: String { "\(summary) [\(errorCode)]" }
}
