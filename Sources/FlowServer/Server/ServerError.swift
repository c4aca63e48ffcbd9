import FlowLog

/// A mistake in how `flowq serve` was started (flags, token file, certificates).
public struct ServerError: UserError {
    public enum Code: String, Sendable {
        case badListen = "serve.bad_listen"
        case badTokenFile = "serve.bad_token_file"
        case cannotListen = "serve.cannot_listen"
        case badTLS = "serve.bad_tls"
    }

    public var code: Code
    public var message: String
    public var errorCode: String { code.rawValue }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
