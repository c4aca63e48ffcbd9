import Foundation

/// Where a node agent ships its lines: `flowq serve`'s base URL and the bearer token (scope `ingest`).
public struct ShipTarget: Sendable {
    public var url: URL
    public var token: String?
    /// How long one request may take before it is retried.
    public var timeout: TimeInterval

    public init(url: URL, token: String?, timeout: TimeInterval = 30) {
        self.url = url
        self.token = token
        self.timeout = timeout
    }
}
