import FlowLog
/// A store failure, with a stable code.
public struct StoreError: UserError {
    public enum Code: String, Sendable {
        case cannotOpen = "store.cannot_open"
        case sqlite = "store.sqlite"
        case busy = "store.busy"
        case diskFull = "store.disk_full"
        case readOnly = "store.read_only"
        case schema = "store.schema"
        /// PostgreSQL refused a statement.
        case postgres = "store.postgres"
        /// A node agent cannot reach `flowq serve`, or the server refused a batch.
        case remote = "store.remote"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var errorCode: String { code.rawValue }
}
