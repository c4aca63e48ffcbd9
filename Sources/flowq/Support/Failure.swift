import ArgumentParser
import FlowIngest
import FlowStore

/// Reports a user-facing error on stderr and exits with 2, never with a stack trace.
func fail(_ message: String) -> ExitCode {
    Terminal.error("flowq: error: \(message)")
    return ExitCode(2)
}

/// Runs `body`, turning store and ingest errors into a message and exit code 2.
func withUserErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as StoreError {
        throw fail(e.description)
    } catch let e as IngestError {
        throw fail(e.description)
    }
}
