import FlowStore
import ServiceLifecycle

/// On graceful shutdown, stops every store's waiting for another process's lock, so that a request stuck behind a
/// lock ends at once (its batch is not stored and not acknowledged; the sender retries) and SIGTERM ends
/// `flowq serve` within seconds. A service group shuts its services down last first: put this one after the
/// application, so that it acts before the server waits for its requests in flight.
public struct LockWaitRelease: Service {
    let store: any StoreBackend

    public init(store: any StoreBackend) { self.store = store }

    public func run() async throws {
        await withGracefulShutdownHandler {
            try? await gracefulShutdown()
        } onGracefulShutdown: {
            store.stopWaiting()
        }
    }
}
