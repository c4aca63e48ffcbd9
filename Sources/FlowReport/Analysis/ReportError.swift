import FlowLog
/// A report failure, with a stable code.
public struct ReportError: UserError {
    public enum Code: String, Sendable {
        case badInput = "report.bad_input"
        case store = "report.store"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var errorCode: String { code.rawValue }
}
