import FlowLog
import FlowStore
import NIOCore

/// A batch of lines in `COPY`'s text format, columns in ``FlowLayout/names`` order: tab-separated, `\N` for NULL,
/// backslash, tab, newline and carriage return escaped; NUL (which PostgreSQL text cannot hold) as U+FFFD.
///
/// The hot path of every stored line: a value with nothing to escape (nearly all) is copied in one piece, and
/// numbers are formatted in place, without an intermediate `String`.
enum FlowCopyText {
    static func rows(_ records: [FlowRecord], _ conns: [Int64], _ domains: [Int64?], _ args: [Int64?]) -> ByteBuffer {
        var out = Output(capacity: records.count * 700)
        let counters = FlowLayout.counterIndexes
        for (i, r) in records.enumerated() {
            out.int(r[.startTime]); out.tab()
            out.int(r[.endTime]); out.tab()
            out.int(conns[i]); out.tab()
            out.text(r[.sourceIP]); out.tab()
            out.text(r[.sourceName]); out.tab()
            out.int(r[.sourcePort]); out.tab()
            out.text(r[.destIP]); out.tab()
            out.text(r[.destName]); out.tab()
            out.int(domains[i]); out.tab()
            out.text(r[.natOutgoingPorts].map { JSONText.array($0, numeric: true) }); out.tab()
            out.text(r[.processName]); out.tab()
            out.text(r[.processID]); out.tab()
            out.int(args[i]); out.tab()
            out.text(r[.originalSourceIPs].map { JSONText.array($0, numeric: false) }); out.tab()
            r.ints.withUnsafeBufferPointer { ints in
                for k in counters {
                    out.int(ints[k])
                    out.tab()
                }
            }
            out.text(r[.cluster]); out.tab()
            out.text(r.extra.isEmpty ? nil : FlowLayout.extraJSON(r.extra))
            out.bytes.append(0x0A)
        }
        return ByteBuffer(bytes: out.bytes)
    }

    struct Output {
        var bytes: [UInt8] = []

        init(capacity: Int) { bytes.reserveCapacity(capacity) }

        @inline(__always) mutating func tab() { bytes.append(0x09) }

        @inline(__always) mutating func null() {
            bytes.append(0x5C)
            bytes.append(0x4E)
        }

        mutating func int(_ v: Int64?) {
            guard let v else { return null() }
            if v >= 0 && v < 10 { return bytes.append(0x30 + UInt8(v)) }
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: every Int64 with its sign
            withUnsafeMutableBytes(of: &digits) { buffer in
                var n = v.magnitude
                var at = buffer.count
                repeat {
                    at -= 1
                    buffer[at] = 0x30 + UInt8(n % 10)
                    n /= 10
                } while n > 0
                if v < 0 {
                    at -= 1
                    buffer[at] = 0x2D
                }
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[at...]))
            }
        }

        mutating func text(_ v: String?) {
            guard var v else { return null() }
            v.withUTF8 { utf8 in
                // Bytes below 0x20 and the backslash are the only ones COPY's text format escapes (or refuses).
                if !utf8.contains(where: { $0 < 0x20 || $0 == 0x5C }) { return bytes.append(contentsOf: utf8) }
                for b in utf8 {
                    switch b {
                    case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
                    case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
                    case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
                    case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
                    case 0x00: bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    default: bytes.append(b)
                    }
                }
            }
        }
    }
}
