import FlowLog
import FlowStore
import NIOCore

/// A batch of lines in `COPY`'s text format, columns in ``FlowLayout/names`` order: tab-separated, `\N` for NULL,
/// backslash, tab, newline and carriage return escaped; NUL (which PostgreSQL text cannot hold) as U+FFFD.
enum FlowCopyText {
    static func rows(_ records: [FlowRecord], _ conns: [Int64], _ domains: [Int64?], _ args: [Int64?]) -> ByteBuffer {
        var out: [UInt8] = []
        out.reserveCapacity(records.count * 600)
        func tab() { out.append(0x09) }
        func int(_ v: Int64?) {
            if let v { out.append(contentsOf: String(v).utf8) } else { out.append(contentsOf: [0x5C, 0x4E]) }
        }
        func text(_ v: String?) {
            guard let v else { return out.append(contentsOf: [0x5C, 0x4E]) }
            for b in v.utf8 {
                switch b {
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x00: out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                default: out.append(b)
                }
            }
        }
        let counters = FlowLayout.counterIndexes
        for (i, r) in records.enumerated() {
            int(r[.startTime]); tab()
            int(r[.endTime]); tab()
            int(conns[i]); tab()
            text(r[.sourceIP]); tab()
            text(r[.sourceName]); tab()
            int(r[.sourcePort]); tab()
            text(r[.destIP]); tab()
            text(r[.destName]); tab()
            int(domains[i]); tab()
            text(r[.natOutgoingPorts].map { JSONText.array($0, numeric: true) }); tab()
            text(r[.processName]); tab()
            text(r[.processID]); tab()
            int(args[i]); tab()
            text(r[.originalSourceIPs].map { JSONText.array($0, numeric: false) }); tab()
            for k in counters {
                int(r.ints[k])
                tab()
            }
            text(r[.cluster]); tab()
            text(r.extra.isEmpty ? nil : FlowLayout.extraJSON(r.extra))
            out.append(0x0A)
        }
        return ByteBuffer(bytes: out)
    }
}
