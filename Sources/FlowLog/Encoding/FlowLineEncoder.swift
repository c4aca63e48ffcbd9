/// Writes a ``FlowRecord`` as one JSON line in Felix's key order (the inverse of ``FlowLineDecoder``).
public struct FlowLineEncoder: Sendable {
    /// How absent values are written.
    public enum Style: Sendable {
        /// Only the keys that hold a value (plus lists written as `[]`).
        case compact
        /// Every key Felix writes, with `null` where the record has none (as Felix does).
        case felix
    }

    public var style: Style { didSet { nulls = Self.writesNull(style, omitting) } }
    /// Keys never written (for eras that lack them).
    public var omitting: Set<String> { didSet { nulls = Self.writesNull(style, omitting) } }
    /// For each key of ``order``: whether an absent value is written as `null` (worked out once, not per line).
    private var nulls: [Bool]

    public init(style: Style = .compact, omitting: Set<String> = []) {
        self.style = style
        self.omitting = omitting
        nulls = Self.writesNull(style, omitting)
    }

    /// The Felix field order (`JSONOutput` in `json_serializer.go`), then fluentd/Linseed's keys.
    private enum Item {
        case text(TextKey), int(IntKey), list(ListKey), sourceLabels, destLabels, policies

        var name: String {
            switch self {
            case .text(let k): k.jsonKey
            case .int(let k): k.jsonKey
            case .list(let k): k.jsonKey
            case .sourceLabels: "source_labels"
            case .destLabels: "dest_labels"
            case .policies: "policies"
            }
        }
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

    /// The keys of ``order`` as written (`"name":`), one after the other, so that no key is converted per line and
    /// none is an array of its own (retained and released at every use: 59,000 times for 1,000 records).
    private static let keyBytes: [UInt8] = writtenKeys.flatMap { $0 }
    /// Where each key of ``keyBytes`` starts, and its end.
    private static let keyOffsets: [Int] = writtenKeys.reduce(into: [0]) { $0.append($0.last! + $1.count) }
    private static var writtenKeys: [[UInt8]] { order.map { Array("\"\($0.name)\":".utf8) } }

    /// Keys that Felix never writes: omitted in ``Style/felix`` when absent.
    private static let optionalInFelix: Set<String> = ["host", "@timestamp", "cluster"]

    private static func writesNull(_ style: Style, _ omitting: Set<String>) -> [Bool] {
        order.map { item in
            guard style == .felix else { return false }
            switch item {
            case .text, .int: return !optionalInFelix.contains(item.name) && !omitting.contains(item.name)
            case .list, .sourceLabels, .destLabels, .policies: return true
            }
        }
    }

    private static let null: [UInt8] = Array("null".utf8)
    private static let labelsOpen: [UInt8] = Array(#"{"labels":"#.utf8)
    private static let traceKeys: [[UInt8]] = TraceList.allCases.map { Array("\"\($0.rawValue)\":".utf8) }

    /// Encodes the record as a JSON object (no trailing newline).
    public func encode(_ r: FlowRecord) -> String {
        var out: [UInt8] = []
        append(r, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the record as a JSON object (no trailing newline) to a byte buffer: what the API and the agents
    /// send, with no String in between (appending to a String cost about three times as much).
    public func append(_ r: FlowRecord, to out: inout [UInt8]) {
        var w = JSONWriter()
        write(r, to: &w)
        w.append(to: &out)
    }

    /// Writes the record as a JSON object (no trailing newline).
    public func write(_ r: FlowRecord, to w: inout JSONWriter) {
        w.byte(UInt8(ascii: "{"))
        var first = true
        Self.keyBytes.withUnsafeBufferPointer { keys in
            func key(_ i: Int) {
                if !first { w.byte(UInt8(ascii: ",")) }
                first = false
                w.bytes(UnsafeBufferPointer(rebasing: keys[Self.keyOffsets[i]..<Self.keyOffsets[i &+ 1]]))
            }
            for (i, item) in Self.order.enumerated() {
                switch item {
                case .text(let k):
                    if let v = r[k] {
                        key(i)
                        w.string(v)
                        continue
                    }
                case .int(let k):
                    if let v = r[k] {
                        key(i)
                        w.integer(v)
                        continue
                    }
                case .list(let k):
                    if let v = r[k] {
                        key(i)
                        w.array(v, numeric: k.isNumeric)
                        continue
                    }
                case .sourceLabels, .destLabels:
                    let labels = { if case .sourceLabels = item { r.sourceLabels } else { r.destLabels } }()
                    if let labels {
                        key(i)
                        w.bytes(Self.labelsOpen)
                        w.array(labels, numeric: false)
                        w.byte(UInt8(ascii: "}"))
                        continue
                    }
                case .policies:
                    if let p = r.policies {
                        key(i)
                        w.byte(UInt8(ascii: "{"))
                        var firstList = true
                        for (j, list) in TraceList.allCases.enumerated() {
                            guard let items = p[list] else { continue }
                            if !firstList { w.byte(UInt8(ascii: ",")) }
                            firstList = false
                            w.bytes(Self.traceKeys[j])
                            w.array(items, numeric: false)
                        }
                        w.byte(UInt8(ascii: "}"))
                        continue
                    }
                }
                if nulls[i] {
                    key(i)
                    w.bytes(Self.null)
                }
            }
        }
        for e in r.extra {
            if !first { w.byte(UInt8(ascii: ",")) }
            first = false
            w.string(e.key)
            w.byte(UInt8(ascii: ":"))
            w.text(e.rawJSON)
        }
        w.byte(UInt8(ascii: "}"))
    }
}
