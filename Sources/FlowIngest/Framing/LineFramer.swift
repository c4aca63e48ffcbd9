import Foundation

/// Splits a byte stream into lines, keeping absolute offsets, without buffering past a bound.
///
/// A partial last line waits for its newline (``pending``). A line longer than ``maxLineLength`` is
/// reported once as overlong (with its first bytes) and skipped up to its newline, never buffered whole.
public struct LineFramer {
    /// One framed line.
    public enum Event {
        /// A complete line (without `\n`, and without a trailing `\r`), starting at `offset`; `length` is its length
        /// in the file without the newline (one more than the bytes' when a `\r` was dropped).
        case line(UnsafeBufferPointer<UInt8>, offset: Int64, length: Int)
        /// A line over the bound: its first bytes, its offset and full length.
        case overlong(prefix: [UInt8], offset: Int64, length: Int)
    }

    public let maxLineLength: Int
    private var carry: [UInt8] = []
    /// The absolute offset of the first byte not yet framed into a complete line.
    public private(set) var lineStart: Int64
    private var skipping: (prefix: [UInt8], length: Int)? = nil

    public init(startOffset: Int64 = 0, maxLineLength: Int = 1 << 20) {
        lineStart = startOffset
        self.maxLineLength = maxLineLength
    }

    /// Bytes of an unfinished last line held back.
    public var pending: Int { skipping?.length ?? carry.count }

    /// The held-back partial line (for a final flush of a complete file).
    public var pendingBytes: [UInt8] { carry }

    /// Frames a chunk, calling `body` for each complete line in order.
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ body: (Event) throws -> Void) rethrows {
        guard let base = chunk.baseAddress else { return }
        var i = 0
        let n = chunk.count
        while i < n {
            let rest = n - i
            let found = memchr(base + i, 0x0A, rest)
            guard let nl = found.map({ UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base }) else {
                // No newline in the rest: hold it (up to the bound).
                absorb(UnsafeBufferPointer(start: base + i, count: rest))
                return
            }
            let segment = UnsafeBufferPointer(start: base + i, count: nl - i)
            let length = segment.count + 1
            if let s = skipping {
                try body(.overlong(prefix: s.prefix, offset: lineStart, length: s.length + segment.count))
                lineStart += Int64(s.length + length)
                skipping = nil
            } else if carry.isEmpty {
                if segment.count > maxLineLength {
                    try body(.overlong(prefix: Array(segment.prefix(4096)), offset: lineStart, length: segment.count))
                } else {
                    try body(.line(trimCR(segment), offset: lineStart, length: segment.count))
                }
                lineStart += Int64(length)
            } else {
                let total = carry.count + segment.count
                if total > maxLineLength {
                    try body(.overlong(prefix: Array(carry.prefix(4096)), offset: lineStart, length: total))
                } else {
                    carry.append(contentsOf: segment)
                    try carry.withUnsafeBufferPointer { try body(.line(trimCR($0), offset: lineStart, length: total)) }
                }
                lineStart += Int64(total + 1)
                carry.removeAll(keepingCapacity: true)
            }
            i = nl + 1
        }
    }

    private mutating func absorb(_ bytes: UnsafeBufferPointer<UInt8>) {
        if var s = skipping {
            s.length += bytes.count
            skipping = s
            return
        }
        if carry.count + bytes.count > maxLineLength {
            var prefix = carry
            prefix.append(contentsOf: bytes.prefix(max(0, 4096 - prefix.count)))
            skipping = (Array(prefix.prefix(4096)), carry.count + bytes.count)
            carry.removeAll()
        } else {
            carry.append(contentsOf: bytes)
        }
    }

    /// Drops the held partial line after the caller has handled it as a final line.
    public mutating func consumePending() {
        lineStart += Int64(pending)
        carry.removeAll()
        skipping = nil
    }

    private func trimCR(_ b: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if let last = b.last, last == 0x0D { return UnsafeBufferPointer(rebasing: b.dropLast()) }
        return b
    }
}
