import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL server of one test's own, for the tests that crash, stop or restart the server (the shared one of
/// `FLOWQ_TEST_POSTGRES` serves every other test at the same time): `initdb` in a temporary directory, loopback
/// only, a free port, stopped when the value goes away. Run as the `postgres` user when the tests run as root
/// (PostgreSQL refuses root).
public final class PrivatePostgres: @unchecked Sendable {
    /// `postgres://flowq@127.0.0.1:PORT/postgres?sslmode=disable`.
    public let url: String
    private let dir: TempDir
    private let bin: String
    private let port: Int
    private let prefix: [String]
    private var server: Process?
    private var extra: [String] = []

    /// The server's certificate (PEM), when it takes TLS: the root a `verify-full` client trusts.
    public var certificate: String { dir.file("server.crt") }

    /// The newest server binaries Debian's `postgresql` package installed, if any.
    public static var binaries: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.last.map { "\(root)/\($0)/bin" }.flatMap { FileManager.default.fileExists(atPath: $0 + "/pg_ctl") ? $0 : nil }
    }

    /// Why a test that needs its own server cannot run here, for `.disabled(if:)`.
    public static var unavailable: Bool { binaries == nil }

    /// With `tls`, the server takes TLS connections only (`hostssl` in `pg_hba.conf`; plain ones are rejected), with
    /// a self-signed certificate for 127.0.0.1 at ``certificate``.
    public init(tls: Bool = false) throws {
        guard let bin = Self.binaries else { throw TestBackendError(message: "no PostgreSQL server under /usr/lib/postgresql") }
        self.bin = bin
        dir = TempDir("flowq-pg")
        prefix = geteuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        if geteuid() == 0 { _ = try run("/usr/bin/env", ["chown", "postgres", dir.path]) }
        port = try Self.freePort()
        url = "postgres://flowq@127.0.0.1:\(port)/postgres?sslmode=disable"
        let initdb = try command(bin + "/initdb", ["-D", dir.file("data"), "-A", "trust", "-U", "flowq", "-N"])
        guard initdb.status == 0 else { throw TestBackendError(message: "initdb failed: \(initdb.stderr)") }
        if tls {
            let made = try run(
                "/usr/bin/env",
                [
                    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir.file("server.key"), "-out", dir.file("server.crt"),
                ])
            guard made.status == 0 else { throw TestBackendError(message: "openssl failed: \(made.stderr)") }
            try dir.write("pg_hba.conf", "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n")
            for f in ["server.key", "server.crt", "pg_hba.conf"] {
                _ = try run("/bin/cp", [dir.file(f), dir.file("data/" + f)])
                if geteuid() == 0 { _ = try run("/bin/chown", ["postgres", dir.file("data/" + f)]) }
            }
            _ = try run("/bin/chmod", ["600", dir.file("data/server.key")])
            extra = ["-c", "ssl=on"]
        }
        try start()
    }

    deinit {
        guard let server, server.isRunning else { return }
        _ = try? command(bin + "/pg_ctl", ["-D", dir.file("data"), "-m", "immediate", "-w", "stop"])
        server.waitUntilExit()
    }

    /// Starts the server (a child of this process, so that nothing of it outlives the test) and waits until it
    /// accepts connections. Not through `pg_ctl start`: its daemon would inherit this process's descriptors and
    /// keep Foundation from ever seeing `pg_ctl` exit.
    public func start() throws {
        let p = Process()
        let postgres = [bin + "/postgres", "-D", dir.file("data"), "-p", "\(port)", "-k", dir.path, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"] + extra
        let argv = prefix + postgres
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        if !FileManager.default.fileExists(atPath: dir.file("server.log")) { _ = FileManager.default.createFile(atPath: dir.file("server.log"), contents: nil) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("server.log")))
        output.seekToEndOfFile()
        p.standardOutput = output
        p.standardError = output
        p.standardInput = FileHandle.nullDevice
        try p.run()
        self.server = p
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try run(bin + "/pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)"]).status == 0 { return }
            guard p.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestBackendError(message: "the server did not start:\n\(log)")
    }

    /// Stops the server: `immediate` is a crash (no shutdown checkpoint; recovery replays the WAL on start),
    /// `fast` a clean shutdown that ends every session.
    public func stop(immediate: Bool) throws {
        let r = try command(bin + "/pg_ctl", ["-D", dir.file("data"), "-m", immediate ? "immediate" : "fast", "-w", "stop"])
        guard r.status == 0 else { throw TestBackendError(message: "pg_ctl stop failed: \(r.stderr)") }
        server?.waitUntilExit()
    }

    /// The server's log, for a failing test's message.
    public var log: String { (try? String(contentsOfFile: dir.file("server.log"), encoding: .utf8)) ?? "" }

    private func command(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
        // The server's user must be able to enter the directory; /tmp is world-readable.
        prefix.isEmpty ? try run(executable, arguments) : try run(prefix[0], Array(prefix.dropFirst()) + [executable] + arguments)
    }

    /// A TCP port nobody listens on now (bound to port 0, read back, closed).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestBackendError(message: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(fd, p, length) == 0 && getsockname(fd, p, &length) == 0
            }
        }
        guard bound else { throw TestBackendError(message: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
