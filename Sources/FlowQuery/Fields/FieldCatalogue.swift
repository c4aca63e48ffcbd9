import FlowLog

/// Every flow-log field of every era, with its type and where it is stored, plus the aliases of Calico's
/// Elasticsearch index (`source_port_num`, `destination.bytes`, `event.action`, …).
public enum FieldCatalogue {
    /// The fields, in Felix's order.
    public static let fields: [Field] = {
        var f: [Field] = [
            Field("start_time", .date, .column("start_time"), "Start of the flush interval (epoch seconds).", example: "1795392000"),
            Field("end_time", .date, .column("end_time"), "End of the flush interval (epoch seconds).", example: "now-1h"),
            Field("@timestamp", .date, .timestamp, "fluentd's timestamp: end_time in ms.", example: "now/d"),
            Field("host", .keyword, .host, "The node that logged the line (not written by Felix; see ingest).", example: "ip-10-0-1-30*"),
            Field("source_ip", .ip, .column("source_ip"), "Source IP; null when aggregated.", example: "10.0.0.0/8"),
            Field("source_name", .keyword, .column("source_name"), "Pod or endpoint name; - when aggregated.", example: "customer-*"),
            Field("source_name_aggr", .keyword, .endpoint(.source, "name_aggr"), "Pod prefix, host name, network set, pub/pvt.", example: "frontend-*"),
            Field("source_namespace", .keyword, .endpoint(.source, "namespace"), "Namespace; - when not namespaced.", example: "yaobank"),
            Field("nat_outgoing_ports", .numberList, .jsonColumn("nat_outgoing_ports"), "SNAT ports.", example: "22661"),
            Field("source_port", .number, .column("source_port"), "Source port; null when aggregated.", example: "> 1024"),
            Field("source_type", .keyword, .endpoint(.source, "type"), "wep, hep, ns or net.", example: "hep"),
            Field("source_labels.labels", .labels, .labels(.source), "Source labels, each key=value.", example: "app=customer"),
            Field("dest_ip", .ip, .column("dest_ip"), "Destination IP; null when aggregated.", example: "169.254.169.254"),
            Field("dest_name", .keyword, .column("dest_name"), "Destination pod or endpoint name.", example: "summary-*"),
            Field("dest_name_aggr", .keyword, .endpoint(.dest, "name_aggr"), "Destination pod prefix, host, set, pub/pvt.", example: "pub"),
            Field("dest_namespace", .keyword, .endpoint(.dest, "namespace"), "Destination namespace.", example: "kube-system"),
            Field("dest_port", .number, .conn("dest_port"), "Destination port.", example: "443"),
            Field("dest_type", .keyword, .endpoint(.dest, "type"), "wep, hep, ns or net.", example: "net"),
            Field("dest_labels.labels", .labels, .labels(.dest), "Destination labels, each key=value.", example: "k8s-app=kube-dns"),
            Field("dest_service_namespace", .keyword, .service("namespace"), "Service namespace; - if none.", example: "kube-system"),
            Field("dest_service_name", .keyword, .service("name"), "Service name; - if none.", example: "kube-dns"),
            Field("dest_service_port", .keyword, .service("port_name"), "Service port name; - if none.", example: "dns"),
            Field("dest_service_port_num", .number, .service("port_num"), "Service port number.", example: "53"),
            Field("dest_domains", .stringList, .stringList("domains_id"), "Domain names of the destination.", example: "*.quay.io"),
            Field("proto", .keyword, .conn("proto"), "tcp, udp, icmp, … or a protocol number.", example: "tcp"),
            Field("action", .keyword, .conn("action"), "allow or deny (today's enforced verdict).", example: "allow"),
            Field("reporter", .keyword, .conn("reporter"), "src, dst, fwd, src,fwd or dst,fwd.", example: "dst"),
            Field("policies.all_policies", .policyList, .policies(.all),
                  "Legacy trace; for lines without it, enforced+pending hits (v2 hits also in v1 form).",
                  example: "*staged\\:default-deny*"),
            Field("policies.enforced_policies", .policyList, .policies(.enforced), "The enforced trace.", example: "*|deny|*"),
            Field("policies.pending_policies", .policyList, .policies(.pending), "The staged simulation trace.", example: "*staged*"),
            Field("policies.transit_policies", .policyList, .policies(.transit), "applyOnForward/preDNAT trace.", example: "*"),
        ]
        let counters: [(IntKey, String)] = [
            (.bytesIn, "Bytes towards the reporting endpoint."), (.bytesOut, "Bytes from the reporting endpoint."),
            (.numFlows, "Flows in the line."), (.numFlowsStarted, "Flows started."), (.numFlowsCompleted, "Flows completed."),
            (.packetsIn, "Packets in."), (.packetsOut, "Packets out."),
            (.transitBytesIn, "Transit bytes in."), (.transitBytesOut, "Transit bytes out."),
            (.transitPacketsIn, "Transit packets in."), (.transitPacketsOut, "Transit packets out."),
            (.httpRequestsAllowedIn, "L7 requests allowed."), (.httpRequestsDeniedIn, "L7 requests denied."),
        ]
        for (k, s) in counters { f.append(Field(k.jsonKey, .number, .column(k.column), s, example: "> 1000")) }
        f.append(Field("process_name", .keyword, .column("process_name"), "Process name; - when not collected.", example: "nginx"))
        f.append(Field("num_process_names", .number, .column("num_process_names"), "Distinct process names.", example: "1"))
        f.append(Field("process_id", .keyword, .column("process_id"), "PID as text, - or *.", example: "1234"))
        f.append(Field("num_process_ids", .number, .column("num_process_ids"), "Distinct PIDs.", example: "1"))
        f.append(Field("process_args", .stringList, .stringList("process_args_id"), "Process arguments.", example: "--port*"))
        f.append(Field("num_process_args", .number, .column("num_process_args"), "Distinct argument lists.", example: "0"))
        f.append(Field("original_source_ips", .ipList, .jsonColumn("original_source_ips"), "X-Forwarded-For client IPs.", example: "203.0.113.0/24"))
        f.append(Field("num_original_source_ips", .number, .column("num_original_source_ips"), "Count of original IPs.", example: "0"))
        let tcp: [IntKey] = [
            .tcpMeanSendCongestionWindow, .tcpMinSendCongestionWindow, .tcpMeanSmoothRTT, .tcpMaxSmoothRTT,
            .tcpMeanMinRTT, .tcpMaxMinRTT, .tcpMeanMSS, .tcpMinMSS, .tcpTotalRetransmissions, .tcpLostPackets,
            .tcpUnrecoveredTo,
        ]
        for k in tcp { f.append(Field(k.jsonKey, .number, .column(k.column), "TCP statistic (0 unless collected).", example: "> 0")) }
        f.append(Field("cluster", .keyword, .column("cluster"), "Cluster name (Linseed).", example: "prod"))
        return f
    }()

    /// Alias → field name (Calico's Elasticsearch template and ECS-style names).
    public static let aliases: [String: String] = [
        "source_port_num": "source_port", "dest_port_num": "dest_port", "dest_service_port_name": "dest_service_port",
        "source.ip": "source_ip", "source.port": "source_port", "source.bytes": "bytes_out",
        "source.packets": "packets_out", "destination.ip": "dest_ip", "destination.port": "dest_port",
        "destination.bytes": "bytes_in", "destination.packets": "packets_in", "network.protocol": "proto",
        "network.transport": "proto", "event.action": "action", "host.name": "host",
    ]

    /// Nested paths: `source_labels:{labels: …}` and `policies:{pending_policies: …}`.
    public static let nestedPaths: Set<String> = ["source_labels", "dest_labels", "policies"]

    private static let byName: [String: Field] = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0) })

    /// The field for a name or alias; `extra.KEY` names a key the decoder kept in `extra`.
    public static func field(named name: String) -> Field? {
        if let f = byName[name] { return f }
        if let target = aliases[name] { return byName[target] }
        if name.hasPrefix("extra."), name.count > 6 {
            let key = String(name.dropFirst(6))
            // The key becomes a JSON path inside SQL text: quotes, backslashes and control characters are
            // refused (no flow-log key has them), so a name can never close the path or the literal.
            guard !key.unicodeScalars.contains(where: { $0 == "\"" || $0 == "'" || $0 == "\\" || $0.value < 0x20 }) else {
                return nil
            }
            return Field(name, .keyword, .extra(key), "Unknown key kept from the line.", example: "")
        }
        return nil
    }

    private static let candidates: [(name: String, bytes: [UInt8])] =
        (fields.map(\.name) + aliases.keys.sorted()).map { ($0, Array($0.lowercased().utf8)) }

    /// The closest known names, for "did you mean …?".
    public static func suggestions(for name: String) -> [String] {
        let target = Array(name.lowercased().utf8)
        let limit = max(2, target.count / 3)
        var scored: [(String, Int)] = []
        for c in candidates {
            let d = editDistance(target, c.bytes, limit: limit)
            if d <= limit { scored.append((c.name, d)) }
        }
        let best = scored.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        if !best.isEmpty { return Array(best.prefix(3).map(\.0)) }
        return candidates.map(\.name).filter { $0.contains(name) || name.contains($0) }.sorted().prefix(3).map { $0 }
    }

    /// Levenshtein distance, giving up (returning `limit + 1`) once every path exceeds `limit`.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty { return b.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            var rowMin = i
            if !b.isEmpty {
                for j in 1...b.count {
                    cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                    rowMin = Swift.min(rowMin, cur[j])
                }
            }
            if rowMin > limit { return limit + 1 }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
