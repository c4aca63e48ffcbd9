import FlowLog
import Foundation
import Logging

/// Serves `GET /metrics`, `/healthz` and `/readyz` over plain HTTP/1.1 on a thread of its own.
///
/// Written by hand on purpose: the three answers are small static GETs, and an HTTP framework (Hummingbird on
/// swift-nio) would add minutes to every clean build on this 2-core machine and in CI for no behaviour we need.
public final class HTTPEndpoint: Sendable {
    public typealias Handler = @Sendable (_ path: String) -> (status: Int, contentType: String, body: String)

    private let fd: Int32
    public let port: Int
    private let handler: Handler
    private let logger: Logger

    /// Binds and listens; throws when the port is taken.
    public init(address: String, port: Int, logger: Logger, handler: @escaping Handler) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CollectorError("cannot create a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, address, &addr.sin_addr) == 1 else {
            close(fd)
            throw CollectorError("--metrics-address \(address) is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw CollectorError("cannot listen on \(address):\(port): \(e)")
        }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.handler = handler
        self.logger = logger
    }

    /// Starts answering on a background thread.
    public func start() {
        let thread = Thread { [self] in serve() }
        thread.name = "flowq-http"
        thread.start()
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                logger.error("metrics endpoint stopped", metadata: ["error": "\(String(cString: strerror(errno)))"])
                return
            }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(client, &buffer, buffer.count)
            let request = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
            let parts = request.split(separator: " ", maxSplits: 2)
            let response: (Int, String, String)
            if parts.count >= 2, parts[0] == "GET" {
                response = handler(String(parts[1].split(separator: "?")[0]))
            } else {
                response = (405, "text/plain", "only GET\n")
            }
            let reason = [200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"][response.0] ?? "OK"
            let body = Array(response.2.utf8)
            let head = "HTTP/1.1 \(response.0) \(reason)\r\nContent-Type: \(response.1)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            let bytes = Array(head.utf8) + body
            var off = 0
            while off < bytes.count {
                let w = bytes[off...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                if w <= 0 { break }
                off += w
            }
            close(client)
        }
    }
}

/// A collector failure with a message for the log.
public struct CollectorError: UserError {
    public var message: String
    public var description: String { message }
    public var errorCode: String { "collect.failed" }
    public init(_ message: String) { self.message = message }
}
