import FlowStore

/// How `flowq serve` runs.
public struct ServerConfiguration: Sendable {
    /// The store (created if missing).
    public var store: any StoreBackend
    public var listen: ListenAddress
    /// Bearer tokens; `nil` means loopback clients only.
    public var tokens: TokenTable?
    /// HTTPS (and mutual TLS with a client CA); `nil` is plain HTTP.
    public var tls: TLSFiles?
    /// Largest request body (an emitter bucket, a policy file).
    public var maxBodyBytes = 64 << 20
    /// Queries that run at once; more wait.
    public var maxConcurrentQueries = 4
    /// A query running longer is stopped (503 `query.timeout`).
    public var queryTimeout: Duration = .seconds(30)
    /// An idle connection is closed after this long (a client that never sends its request included).
    public var idleTimeout: Duration = .seconds(30)
    /// Bytes of answers kept until the store changes (see `AnswerCache`); 0 keeps none.
    public var answerCacheBytes = 64 << 20

    public init(store: any StoreBackend, listen: ListenAddress, tokens: TokenTable? = nil) {
        self.store = store
        self.listen = listen
        self.tokens = tokens
    }
}
