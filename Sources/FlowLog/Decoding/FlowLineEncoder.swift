/// Writes a ``FlowRecord`` as one JSON line in Felix's key order (the inverse of ``FlowLineDecoder``).
public struct FlowLineEncoder: Sendable {
    /// How absent values are written.
    public enum Style: Sendable {
        /// Only the keys that hold a value (plus lists written as `[]`).
        case compact
        /// Every key Felix writes, with `null` where the record has none (as Felix does).
        case felix
    }

    public var style: Style
    /// Keys never written (for eras that lack them).
    public var omitting: Set<String> { didSet { optional = Self.optionalInFelix.union(omitting) } }
    /// Keys ``Style/felix`` leaves out when absent: Felix never writes them, or the era lacks them (computed once,
    /// not per line).
    private var optional: Set<String>

    public init(style: Style = .compact, omitting: Set<String> = []) {
        self.style = style
        self.omitting = omitting
        optional = Self.optionalInFelix.union(omitting)
    }

    /// The Felix field order (`JSONOutput` in `json_serializer.go`), then fluentd/Linseed's keys.
    private enum Item {
        case text(TextKey), int(IntKey), list(ListKey), sourceLabels, destLabels, policies
    }

    private static let order: [Item] = [
        .int(.startTime), .int(.endTime), .text(.sourceIP), .text(.sourceName), .text(.sourceNameAggr),
        .text(.sourceNamespace), .list(.natOutgoingPorts), .int(.sourcePort), .text(.sourceType), .sourceLabels,
        .text(.destIP), .text(.destName), .text(.destNameAggr), .text(.destNamespace), .int(.destPort),
        .text(.destType), .destLabels, .text(.destServiceNamespace), .text(.destServiceName),
        .text(.destServicePort), .int(.destServicePortNum), .list(.destDomains), .text(.proto), .text(.action),
        .text(.reporter), .policies, .int(.bytesIn), .int(.bytesOut), .int(.numFlows), .int(.numFlowsStarted),
        .int(.numFlowsCompleted), .int(.packetsIn), .int(.packetsOut), .int(.transitBytesIn),
        .int(.transitBytesOut), .int(.transitPacketsIn), .int(.transitPacketsOut), .int(.httpRequestsAllowedIn),
        .int(.httpRequestsDeniedIn), .text(.processName), .int(.numProcessNames), .text(.processID),
        .int(.numProcessIDs), .list(.processArgs), .int(.numProcessArgs), .list(.originalSourceIPs),
        .int(.numOriginalSourceIPs), .int(.tcpMeanSendCongestionWindow), .int(.tcpMinSendCongestionWindow),
        .int(.tcpMeanSmoothRTT), .int(.tcpMaxSmoothRTT), .int(.tcpMeanMinRTT), .int(.tcpMaxMinRTT),
        .int(.tcpMeanMSS), .int(.tcpMinMSS), .int(.tcpTotalRetransmissions), .int(.tcpLostPackets),
        .int(.tcpUnrecoveredTo), .text(.host), .int(.timestamp), .text(.cluster),
    ]

    /// Keys that Felix never writes: omitted in ``Style/felix`` when absent.
    private static let optionalInFelix: Set<String> = ["host", "@timestamp", "cluster"]

    /// Encodes the record as a JSON object (no trailing newline).
    public func encode(_ r: FlowRecord) -> String {
        var out: [UInt8] = []
        append(r, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the record as a JSON object (no trailing newline) to a byte buffer: what the API and the agents
    /// send, with no String in between (appending to a String cost about three times as much).
    public func append(_ r: FlowRecord, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + 2048)  // a Felix line is about 2 KB
        out.append(UInt8(ascii: "{"))
        var first = true
        func key(_ k: String) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: k.utf8)
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
        }
        func null() { out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }
        let felix = style == .felix
        for item in Self.order {
            switch item {
            case .text(let k):
                if let v = r[k] {
                    key(k.jsonKey)
                    JSONText.appendString(v, to: &out)
                } else if felix && !optional.contains(k.jsonKey) {
                    key(k.jsonKey)
                    null()
                }
            case .int(let k):
                if let v = r[k] {
                    key(k.jsonKey)
                    JSONText.appendInteger(v, to: &out)
                } else if felix && !optional.contains(k.jsonKey) {
                    key(k.jsonKey)
                    null()
                }
            case .list(let k):
                if let v = r[k] {
                    key(k.jsonKey)
                    JSONText.appendArray(v, numeric: k.isNumeric, to: &out)
                } else if felix {
                    key(k.jsonKey)
                    null()
                }
            case .sourceLabels, .destLabels:
                let name = { if case .sourceLabels = item { "source_labels" } else { "dest_labels" } }()
                let labels = { if case .sourceLabels = item { r.sourceLabels } else { r.destLabels } }()
                if let labels {
                    key(name)
                    out.append(contentsOf: #"{"labels":"#.utf8)
                    JSONText.appendArray(labels, numeric: false, to: &out)
                    out.append(UInt8(ascii: "}"))
                } else if felix {
                    key(name)
                    null()
                }
            case .policies:
                if let p = r.policies {
                    key("policies")
                    out.append(UInt8(ascii: "{"))
                    var firstList = true
                    for list in TraceList.allCases {
                        guard let items = p[list] else { continue }
                        if !firstList { out.append(UInt8(ascii: ",")) }
                        firstList = false
                        out.append(UInt8(ascii: "\""))
                        out.append(contentsOf: list.rawValue.utf8)
                        out.append(contentsOf: #"":"#.utf8)
                        JSONText.appendArray(items, numeric: false, to: &out)
                    }
                    out.append(UInt8(ascii: "}"))
                } else if felix {
                    key("policies")
                    null()
                }
            }
        }
        for e in r.extra {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONText.appendString(e.key, to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: e.rawJSON.utf8)
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// Small helpers for writing JSON text.
public enum JSONText {
    /// Appends `s` as a JSON string literal (quotes, escapes).
    public static func appendString(_ s: String, to out: inout String) {
        out += "\""
        var plain = true
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5C {
            plain = false
            break
        }
        if plain {
            out += s
        } else {
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 {
                        let hex = String(u.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
        }
        out += "\""
    }

    /// Appends `s` as a JSON string literal (quotes, escapes) to a byte buffer.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { bytes in
            var plainFrom = 0
            for (i, b) in bytes.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainFrom..<i]))
                plainFrom = i + 1
                switch b {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainFrom...]))
        }
        out.append(0x22)
    }

    /// Appends an integer's decimal digits.
    public static func appendInteger(_ v: Int64, to out: inout [UInt8]) {
        if v == 0 {
            out.append(0x30)
            return
        }
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while m > 0 {
                d[n] = UInt8(m % 10) + 0x30
                m /= 10
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }

    /// Appends a JSON array of strings, or of numbers written as text, to a byte buffer.
    public static func appendArray(_ items: [String], numeric: Bool, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, v) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if numeric { out.append(contentsOf: v.utf8) } else { appendString(v, to: &out) }
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Appends a JSON array of strings, or of numbers written as text.
    public static func appendArray(_ items: [String], numeric: Bool, to out: inout String) {
        out += "["
        for (i, v) in items.enumerated() {
            if i > 0 { out += "," }
            if numeric { out += v } else { appendString(v, to: &out) }
        }
        out += "]"
    }

    /// A JSON array of strings, or of numbers written as text.
    public static func array(_ items: [String], numeric: Bool) -> String {
        var out = ""
        appendArray(items, numeric: numeric, to: &out)
        return out
    }

    /// A JSON string literal.
    public static func string(_ s: String) -> String {
        var out = ""
        appendString(s, to: &out)
        return out
    }
}
