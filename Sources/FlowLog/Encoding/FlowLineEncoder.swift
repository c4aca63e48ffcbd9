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
    /// For each of ``steps``: whether an absent value is written as `null` (worked out once, not per line).
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

    /// One key of ``order`` with its bytes as written (`"name":`), so that no key is converted per line.
    private struct Step {
        let item: Item
        let key: [UInt8]
    }

    private static let steps: [Step] = order.map { Step(item: $0, key: Array("\"\($0.name)\":".utf8)) }

    /// Keys that Felix never writes: omitted in ``Style/felix`` when absent.
    private static let optionalInFelix: Set<String> = ["host", "@timestamp", "cluster"]

    private static func writesNull(_ style: Style, _ omitting: Set<String>) -> [Bool] {
        steps.map { step in
            guard style == .felix else { return false }
            switch step.item {
            case .text, .int: return !optionalInFelix.contains(step.item.name) && !omitting.contains(step.item.name)
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
        func key(_ k: [UInt8]) {
            if !first { w.byte(UInt8(ascii: ",")) }
            first = false
            w.bytes(k)
        }
        for (i, step) in Self.steps.enumerated() {
            switch step.item {
            case .text(let k):
                if let v = r[k] {
                    key(step.key)
                    w.string(v)
                    continue
                }
            case .int(let k):
                if let v = r[k] {
                    key(step.key)
                    w.integer(v)
                    continue
                }
            case .list(let k):
                if let v = r[k] {
                    key(step.key)
                    w.array(v, numeric: k.isNumeric)
                    continue
                }
            case .sourceLabels, .destLabels:
                let labels = { if case .sourceLabels = step.item { r.sourceLabels } else { r.destLabels } }()
                if let labels {
                    key(step.key)
                    w.bytes(Self.labelsOpen)
                    w.array(labels, numeric: false)
                    w.byte(UInt8(ascii: "}"))
                    continue
                }
            case .policies:
                if let p = r.policies {
                    key(step.key)
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
                key(step.key)
                w.bytes(Self.null)
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
