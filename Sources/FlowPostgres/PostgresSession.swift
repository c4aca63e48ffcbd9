import Dispatch
import FlowStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// One connection to PostgreSQL, used synchronously (ingest and the report are synchronous; callers are never event
/// loop threads). A lost connection is logged once and opened again on the next call; the call that saw it fails,
/// so that its batch is not acknowledged and is retried from the committed checkpoint.
final class PostgresSession: @unchecked Sendable {
    let location: PostgresLocation
    private let lock = NSLock()
    private var connection: PostgresConnection?
    /// The connection of the transaction under way: every statement of a transaction goes to it, and if it is lost
    /// they fail instead of going to a new connection (where each would commit on its own: a checkpoint without
    /// its lines).
    private var pinned: PostgresConnection?
    private let logger = Logger(label: "flowq.postgres")
    private static let ids = Mutex(0)

    init(_ location: PostgresLocation) throws {
        self.location = location
        _ = try open()
    }

    deinit {
        if let c = connection { _ = try? c.close().wait() }
    }

    /// Runs an async body from synchronous code and waits for it. The body runs on threads of its own (a task
    /// executor over a dispatch queue), never on the cooperative pool: the waiting caller may be one of its
    /// threads (the collector's loop, a test), and on a small machine the pool has no thread to spare.
    ///
    /// With `connection`, the wait also ends (with ``ConnectionClosed``) when that connection closes: a statement
    /// written as the connection goes down may otherwise never be answered (seen when the server stopped
    /// mid-ingest: a collector waited for ever, with no socket left).
    static func wait<T: Sendable>(
        on connection: PostgresConnection? = nil, _ body: @escaping @Sendable () async throws -> T
    ) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: QueueExecutor.shared) {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            if box.settle(result) { done.signal() }
        }
        connection?.closeFuture.whenComplete { _ in if box.settle(.failure(ConnectionClosed())) { done.signal() } }
        done.wait()
        return try box.result!.get()
    }

    private func open() throws -> PostgresConnection {
        lock.lock()
        defer { lock.unlock() }
        if let p = pinned {
            guard !p.isClosed else {
                throw StoreError(.busy, "the connection to \(location) was lost inside a transaction, which is not committed; it is tried again")
            }
            return p
        }
        if let c = connection, !c.isClosed { return c }
        connection = nil
        var tls: PostgresConnection.Configuration.TLS = .disable
        if location.sslMode != .disable {
            var configuration = TLSConfiguration.makeClientConfiguration()
            switch location.sslMode {
            case .disable, .prefer, .require: configuration.certificateVerification = .none
            case .verifyCA: configuration.certificateVerification = .noHostnameVerification
            case .verifyFull: configuration.certificateVerification = .fullVerification
            }
            if let roots = location.sslRootCert { configuration.trustRoots = .file(roots) }
            do {
                let context = try NIOSSLContext(configuration: configuration)
                tls = location.sslMode == .prefer ? .prefer(context) : .require(context)
            } catch {
                throw StoreError(.cannotOpen, "cannot set up TLS for \(location) (sslrootcert \(location.sslRootCert ?? "none")): \(error)")
            }
        }
        var config = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        // No JIT: flowq's statements are short or read through indexes, and the planner's cost of a join over a
        // large `flow` turned it on for them (389 ms compiling a 1,000-row read that then ran in 2 ms).
        config.options.additionalStartupParameters = [("jit", "off")]
        let id = Self.ids.withLock { n in
            n += 1
            return n
        }
        let logger = self.logger
        do {
            let c = try PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.any(), configuration: config, id: id, logger: logger
            ).wait()
            connection = c
            return c
        } catch {
            throw StoreError(.cannotOpen, "cannot connect to \(location): \(Self.describe(error))")
        }
    }

    /// Runs `body` in one transaction on one connection: committed when it returns, rolled back when it throws or
    /// when the connection is lost before the commit (then no statement of it reaches another connection).
    func inTransaction<T>(_ body: () throws -> T) throws -> T {
        let c = try open()
        lock.withLock { pinned = c }
        defer { lock.withLock { pinned = nil } }
        try query("BEGIN")
        do {
            let v = try body()
            try query("COMMIT")
            return v
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    /// Runs a statement and returns its rows.
    @discardableResult
    func query(_ sql: String, _ values: [PostgresValue] = []) throws -> [PostgresRow] {
        let c = try open()
        var binds = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .int(let i): binds.append(i)
            case .real(let d): binds.append(d)
            case .text(let s): binds.append(s)
            case .null: binds.appendNull()
            }
        }
        do {
            let query = PostgresQuery(unsafeSQL: sql, binds: binds)
            let logger = self.logger
            return try Self.wait(on: c) { try await c.query(query, logger: logger).get().rows }
        } catch {
            throw failure(error, c)
        }
    }

    /// Runs several statements, one after another (split at `;` ending a line, outside `$$` bodies).
    func script(_ sql: String) throws {
        var statement = ""
        var inBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            statement += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            if !inBody, line.hasSuffix(";") {
                try query(String(statement.dropLast(2)))
                statement = ""
            }
        }
        if !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { try query(statement) }
    }

    /// Streams text-format rows into `COPY table (columns) FROM STDIN`.
    func copy(table: String, columns: [String], data: ByteBuffer) throws {
        let c = try open()
        let logger = self.logger
        do {
            try Self.wait(on: c) {
                try await c.copyFrom(table: table, columns: columns, logger: logger) { writer in try await writer.write(data) }
            }
        } catch {
            throw failure(error, c)
        }
    }

    /// Closes the connection: a query running on it fails (a timeout), and the next call opens a new one.
    func interrupt() {
        lock.lock()
        let c = connection
        connection = nil
        lock.unlock()
        c?.close().whenComplete { _ in }
    }

    private func failure(_ error: any Error, _ c: PostgresConnection) -> StoreError {
        if c.isClosed {
            lock.lock()
            if connection === c { connection = nil }
            lock.unlock()
            return StoreError(.busy, "the connection to \(location) was lost (\(Self.describe(error))); it is opened again on the next try")
        }
        return StoreError(.postgres, Self.describe(error))
    }

    /// The server's message (PSQLError hides it from `description`).
    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] {
                return message + (e.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            return "\(e.code)"
        }
        return "\(error)"
    }
}

/// A task executor on a concurrent dispatch queue (see ``PostgresSession/wait(_:)``).
final class QueueExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = QueueExecutor()
    private let queue = DispatchQueue(label: "flowq.postgres", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// The first of the results offered to it.
private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var result: Result<T, any Error>?

    /// Keeps `r` unless a result came first; whether it was kept.
    func settle(_ r: Result<T, any Error>) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard result == nil else { return false }
        result = r
        return true
    }
}

/// The connection closed before the server answered.
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection closed before the server answered" }
}

extension PostgresRandomAccessRow {
    /// Column `i` as a value (integers, numerics and booleans as numbers, the rest as text).
    func value(_ i: Int) -> PostgresValue {
        let cell = self[i]
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return (try? cell.decode(Int64.self)).map(PostgresValue.int) ?? .null
        case .bool: return (try? cell.decode(Bool.self)).map { .int($0 ? 1 : 0) } ?? .null
        case .float8, .float4: return (try? cell.decode(Double.self)).map(PostgresValue.real) ?? .null
        case .numeric:
            guard let d = try? cell.decode(Decimal.self) else { return .null }
            let s = "\(d)"
            return Int64(s).map(PostgresValue.int) ?? Double(s).map(PostgresValue.real) ?? .text(s)
        default: return (try? cell.decode(String.self)).map(PostgresValue.text) ?? .null
        }
    }

    func int(_ i: Int) -> Int64? {
        switch value(i) {
        case .int(let v): return v
        case .real(let d): return Int64(exactly: d.rounded(.towardZero))
        case .text(let s): return Int64(s)
        case .null: return nil
        }
    }

    func text(_ i: Int) -> String? {
        switch value(i) {
        case .text(let s): return s
        case .int(let v): return String(v)
        case .real(let d): return String(d)
        case .null: return nil
        }
    }
}

extension PostgresRow {
    /// Column `i` (for rows read a column or two at a time; read many through one ``makeRandomAccess()``).
    func int(_ i: Int) -> Int64? { makeRandomAccess().int(i) }
    func text(_ i: Int) -> String? { makeRandomAccess().text(i) }
}
