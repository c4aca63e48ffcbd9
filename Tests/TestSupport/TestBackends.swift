import FlowPostgres
import FlowSQLite
import FlowStore
import Foundation
import Synchronization

/// The storage backends tests run against: SQLite always; PostgreSQL when `FLOWQ_TEST_POSTGRES` names a server
/// (`postgres://user@127.0.0.1:PORT/postgres?sslmode=disable`, a role that may create databases). `./dev test` and
/// CI start a throwaway cluster and set it; without it the PostgreSQL cases are reported as skipped
/// (``TestBackend/postgresMissing``), never passed silently.
public enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    /// The server of the PostgreSQL cases, if configured.
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["FLOWQ_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The backends this run tests.
    public static var configured: [TestBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// Why PostgreSQL cases do not run here, for `.enabled(if:)`.
    public static var postgresMissing: Bool { postgresURL == nil }

    /// A new, empty store: a file in `dir`, or a new database on the test server.
    public func make(in dir: TempDir, name: String = "t") throws -> any StoreBackend {
        switch self {
        case .sqlite: return SQLiteBackend(path: dir.file(name + ".db"))
        case .postgres: return try PostgresBackend(url: try Self.newDatabase())
        }
    }

    /// Creates a database with a unique name on the test server (through `psql`) and returns its URL.
    public static func newDatabase() throws -> String {
        guard let server = postgresURL, var c = URLComponents(string: server) else {
            throw TestBackendError(message: "FLOWQ_TEST_POSTGRES is not set")
        }
        let name = "flowq_t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        guard psql(server, ["CREATE DATABASE \(name)"]) else { throw TestBackendError(message: "psql could not create database \(name) on \(server)") }
        _ = dropAtExit
        created.withLock { $0.append(name) }
        c.path = "/" + name
        return c.string!
    }

    /// The databases this process created: dropped when it exits (`WITH (FORCE)`, past stores still open), so that
    /// runs against a long-lived server leave nothing behind.
    private static let created = Mutex<[String]>([])
    private static let dropAtExit: Void = {
        atexit {
            guard let server = TestBackend.postgresURL else { return }
            let names = TestBackend.created.withLock { $0 }
            if !names.isEmpty { _ = TestBackend.psql(server, names.map { "DROP DATABASE IF EXISTS \($0) WITH (FORCE)" }) }
        }
    }()

    /// Runs statements with `psql` on `server`; whether it succeeded.
    private static func psql(_ server: String, _ statements: [String]) -> Bool {
        (try? psqlOutput(server, statements)) != nil
    }

    /// Runs statements with `psql` on the database at `url` and returns what it printed (unaligned, tuples only).
    public static func psqlOutput(_ url: String, _ statements: [String]) throws -> String {
        let p = Process()
        let out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", url, "-qXAt"] + statements.flatMap { ["-c", $0] }
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestBackendError(message: "psql failed on \(url): \(statements)") }
        return text
    }
}

public struct TestBackendError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
