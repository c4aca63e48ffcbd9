import FlowStore
import Foundation

/// A PostgreSQL database named by URL: `postgres://user@host:port/db?sslmode=…&sslrootcert=FILE`. The password
/// comes from `PGPASSWORD` or the file named by `PGPASSFILE`-style `passfile=` (never from argv, which other users
/// of the machine and the logs can see); a password written in the URL is refused.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// TLS as libpq's `sslmode` means it.
    public enum SSLMode: String, Sendable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, plain otherwise; the certificate is not checked.
        case prefer
        /// TLS or nothing; the certificate is not checked (it encrypts, it does not authenticate the server).
        case require
        /// TLS, and the server's certificate must chain to a trusted root (`sslrootcert`, else the system's).
        case verifyCA = "verify-ca"
        /// As `verify-ca`, and the certificate must name the host of the URL.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var sslMode: SSLMode
    /// The roots `verify-ca` and `verify-full` trust (PEM), instead of the system's.
    public var sslRootCert: String?
    /// Not shown by ``description``.
    public var password: String?

    /// Whether `text` names a PostgreSQL database.
    public static func isURL(_ text: String) -> Bool { text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") }

    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(StoreError) {
        guard Self.isURL(text), let c = URLComponents(string: text), let host = c.host, !host.isEmpty else {
            throw StoreError(.cannotOpen, "not a PostgreSQL URL: use postgres://user@host:port/database")
        }
        guard c.password == nil else {
            throw StoreError(.cannotOpen, "a password in the URL would show in process lists and logs: set PGPASSWORD or passfile=FILE instead")
        }
        self.host = host
        port = c.port ?? 5432
        user = c.user ?? environment["PGUSER"] ?? "postgres"
        let path = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        database = path.isEmpty ? user : path
        let items = Dictionary((c.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, b in b })
        guard let mode = SSLMode(rawValue: items["sslmode"] ?? "prefer") else {
            throw StoreError(.cannotOpen, "sslmode must be disable, prefer, require, verify-ca or verify-full")
        }
        sslMode = mode
        sslRootCert = items["sslrootcert"]
        if let file = items["passfile"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw StoreError(.cannotOpen, "cannot read the password file \(file)")
            }
            password = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            password = environment["PGPASSWORD"]
        }
    }

    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}
