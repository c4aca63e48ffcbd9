import FlowLog
/// A policy file that cannot be used: the file, the line, and what is wrong.
public struct PolicyLoadError: UserError, Equatable {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var summary: String { "\(file):\(line): \(message)" }
    public var description: String { summary }
    public var errorCode: String { "policy.invalid" }
}
