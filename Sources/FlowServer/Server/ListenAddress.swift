import FlowLog

/// Where `flowq serve` listens: `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` (loopback).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses the `--listen` value.
    public init(parsing text: String) throws(ServerError) {
        let host: Substring, port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ServerError(.badListen, "--listen \(text): write an IPv6 address as [::1]:8080")
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw ServerError(.badListen, "--listen \(text): write HOST:PORT (127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080)")
            }
            host = text[..<colon].isEmpty ? "127.0.0.1" : text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let p = Int(port), (0...65_535).contains(p), !host.isEmpty else {
            throw ServerError(.badListen, "--listen \(text): the port must be a number from 0 to 65535")
        }
        self.host = String(host)
        self.port = p
    }

    /// Whether only this machine can reach it.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
