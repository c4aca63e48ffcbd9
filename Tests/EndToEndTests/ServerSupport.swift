import Foundation
import TestSupport

/// A running `flowq serve` on a free port, stopped when the test ends.
final class RunningServer {
    let process: Process
    let port: Int
    let log: String

    /// Starts `flowq serve --listen HOST:0 ...` and waits for the port it bound.
    init(db: String, in dir: TempDir, host: String = "127.0.0.1", extra: [String] = []) throws {
        log = dir.file("serve-\(UUID().uuidString.prefix(8)).log")
        let listen = host.contains(":") ? "[\(host)]:0" : "\(host):0"
        process = try CollectorTests.launch(CLITests.flowq, ["serve", "--db", db, "--listen", listen] + extra, log: log)
        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"address=\S+:(\d+) \[flowq\] listening"#, options: .regularExpression) {
                found = Int(text[r].split(separator: " ")[0].split(separator: ":").last!)
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let found else {
            process.terminate()
            throw ServerStartFailure(log: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
        port = found
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// `curl` of a path: body and status.
    func get(_ path: String, headers: [String] = [], host: String = "127.0.0.1") throws -> (body: String, status: Int) {
        try curl(path, ["-g"] + headers.flatMap { ["-H", $0] }, host: host)
    }

    /// `curl` of a path: the body and the value of one response header (nil when absent).
    func get(_ path: String, header name: String) throws -> (body: String, header: String?) {
        let r = try run("/usr/bin/env", ["curl", "-s", "-g", "-m", "30", "-D", "-", "http://127.0.0.1:\(port)\(path)"])
        let parts = r.stdout.components(separatedBy: "\r\n\r\n")
        let value = parts[0].components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        return (parts.dropFirst().joined(separator: "\r\n\r\n"), value)
    }

    /// POSTs a file.
    func post(_ path: String, file: String, headers: [String] = []) throws -> (body: String, status: Int) {
        try curl(path, ["--data-binary", "@\(file)"] + headers.flatMap { ["-H", $0] })
    }

    private func curl(_ path: String, _ args: [String], host: String = "127.0.0.1") throws -> (body: String, status: Int) {
        let h = host.contains(":") ? "[\(host)]" : host
        let r = try run("/usr/bin/env", ["curl", "-s", "-m", "30"] + args + ["-w", "\n%{http_code}", "http://\(h):\(port)\(path)"])
        var lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? 0
        // The body without its final newline (every JSON answer ends with one).
        var body = lines.joined(separator: "\n")
        if body.hasSuffix("\n") { body.removeLast() }
        return (body, status)
    }
}

struct ServerStartFailure: Error, CustomStringConvertible {
    var log: String
    var description: String { "flowq serve did not start:\n\(log)" }
}

/// A raw TCP client, for what curl cannot do: connect and say nothing, or send half a request.
final class RawClient {
    let fd: Int32

    init?(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if ok != 0 {
            close(fd)
            return nil
        }
    }

    func send(_ text: String) { _ = text.withCString { write(fd, $0, strlen($0)) } }

    /// Whether the server closed the connection within `seconds` (a read returns end of file).
    func closedByServer(within seconds: Int) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n == 0 { return true }
            if n < 0 { return false }
        }
    }

    deinit { close(fd) }
}
