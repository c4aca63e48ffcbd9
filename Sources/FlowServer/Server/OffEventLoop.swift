import Dispatch

/// Runs CPU-heavy work (decoding a body of thousands of lines) on a thread of Dispatch's pool, so that the
/// event loops go on answering other requests (`/healthz` among them).
func offEventLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
