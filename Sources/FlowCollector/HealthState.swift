import Foundation
import Synchronization

/// What `/healthz` and `/readyz` answer: shared between the collector loop and the HTTP thread.
public final class HealthState: Sendable {
    private struct State {
        var ready = false
        var lastCycle = Date.distantPast
        var lastError: String?
    }

    private let state = Mutex(State())

    public init() {}

    /// The collector finished a cycle (its store is open and its directories were read).
    public func cycleDone(error: String?) {
        state.withLock {
            $0.ready = true
            $0.lastCycle = Date()
            $0.lastError = error
        }
    }

    /// Alive: the loop ran within the last 60 seconds (or has not started yet).
    public var healthy: (Bool, String) {
        state.withLock { s in
            if !s.ready { return (true, "starting") }
            let age = Date().timeIntervalSince(s.lastCycle)
            return age < 60 ? (true, "ok") : (false, String(format: "no cycle for %.0f s", age))
        }
    }

    /// Ready: the store is open and the last cycle had no store error.
    public var ready: (Bool, String) {
        state.withLock { s in
            if !s.ready { return (false, "starting") }
            if let e = s.lastError { return (false, e) }
            return (true, "ready")
        }
    }
}
