import Dispatch
import FlowStore
import Foundation
import HTTPTypes

/// A bounded set of read-only stores: at most `size` queries run at once (the rest wait their turn), each on a
/// thread of its own so that the event loops stay free for `/healthz`, and each stopped after `timeout`.
actor ReaderPool {
    private let backend: any StoreBackend
    private let size: Int
    private let timeout: Duration
    private var idle: [any FlowReader & ReadinessSource] = []
    private var opened = 0
    private var waiting: [CheckedContinuation<any FlowReader & ReadinessSource, Never>] = []

    init(backend: any StoreBackend, size: Int, timeout: Duration) {
        self.backend = backend
        self.size = size
        self.timeout = timeout
    }

    /// Runs `body` with a reader; a query that outlives the timeout is interrupted and answered 503 `query.timeout`.
    func run<T: Sendable>(_ body: @escaping @Sendable (any FlowReader & ReadinessSource) throws -> T) async throws -> T {
        let store = try await acquire()
        defer { release(store) }
        let timedOut = TimeoutFlag()
        let timer = Task { [timeout] in
            try await Task.sleep(for: timeout)
            timedOut.set()
            store.interrupt()
        }
        defer { timer.cancel() }
        do {
            return try await offEventLoop { try body(store) }
        } catch {
            if timedOut.isSet {
                throw Problem(.serviceUnavailable, code: "query.timeout",
                              "the query ran longer than \(timeout) and was stopped; narrow it (a time range, more terms)")
            }
            throw error
        }
    }

    private func acquire() async throws -> any FlowReader & ReadinessSource {
        if let store = idle.popLast() { return store }
        if opened < size {
            opened += 1
            do {
                return try backend.openReader()
            } catch {
                opened -= 1
                throw error
            }
        }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func release(_ store: any FlowReader & ReadinessSource) {
        if !waiting.isEmpty { waiting.removeFirst().resume(returning: store) } else { idle.append(store) }
    }
}

/// Set once by the timer, read by the query's caller.
final class TimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
