import FlowLog
import Foundation

/// Output helpers for the CLI.
enum Terminal {
    /// Writes to standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Whether standard error is a terminal (for progress lines).
    static var stderrIsTTY: Bool { isatty(2) == 1 }

    /// Whether standard output is a terminal.
    static var stdoutIsTTY: Bool { isatty(1) == 1 }

    /// The terminal width; unlimited when stdout is not a terminal (pipes get whole values).
    static var width: Int {
        guard stdoutIsTTY else { return Int.max / 4 }
        var ws = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 20 { return Int(ws.ws_col) }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(c), n > 20 { return n }
        return 120
    }
}

/// Buffered standard output (print() per row is slow for large results).
struct StdoutBuffer {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func line(_ s: String) {
        write(s)
        write("\n")
    }

    /// A record as one NDJSON line, encoded straight into the buffer.
    mutating func record(_ r: FlowRecord, encoder: FlowLineEncoder) {
        encoder.append(r, to: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { p in
            var off = 0
            while off < p.count {
                let n = Foundation.write(1, p.baseAddress! + off, p.count - off)
                if n <= 0 { break }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
