/// The scalar keys of a Felix flow-log line, of every era, grouped by how they are stored.
///
/// The raw values are the JSON keys exactly as Felix (or fluentd/Linseed) writes them.
public enum TextKey: Int, CaseIterable, Sendable {
    case sourceIP, sourceName, sourceNameAggr, sourceNamespace, sourceType
    case destIP, destName, destNameAggr, destNamespace, destType
    case destServiceNamespace, destServiceName, destServicePort
    case proto, action, reporter
    case processName, processID
    case host, cluster

    /// The JSON key.
    public var jsonKey: String {
        switch self {
        case .sourceIP: "source_ip"
        case .sourceName: "source_name"
        case .sourceNameAggr: "source_name_aggr"
        case .sourceNamespace: "source_namespace"
        case .sourceType: "source_type"
        case .destIP: "dest_ip"
        case .destName: "dest_name"
        case .destNameAggr: "dest_name_aggr"
        case .destNamespace: "dest_namespace"
        case .destType: "dest_type"
        case .destServiceNamespace: "dest_service_namespace"
        case .destServiceName: "dest_service_name"
        case .destServicePort: "dest_service_port"
        case .proto: "proto"
        case .action: "action"
        case .reporter: "reporter"
        case .processName: "process_name"
        case .processID: "process_id"
        case .host: "host"
        case .cluster: "cluster"
        }
    }
}

/// The integer keys of a flow-log line (times, ports, counters).
public enum IntKey: Int, CaseIterable, Sendable {
    case startTime, endTime, sourcePort, destPort, destServicePortNum
    case bytesIn, bytesOut, numFlows, numFlowsStarted, numFlowsCompleted, packetsIn, packetsOut
    case transitBytesIn, transitBytesOut, transitPacketsIn, transitPacketsOut
    case httpRequestsAllowedIn, httpRequestsDeniedIn
    case numProcessNames, numProcessIDs, numProcessArgs, numOriginalSourceIPs
    case tcpMeanSendCongestionWindow, tcpMinSendCongestionWindow, tcpMeanSmoothRTT, tcpMaxSmoothRTT
    case tcpMeanMinRTT, tcpMaxMinRTT, tcpMeanMSS, tcpMinMSS, tcpTotalRetransmissions, tcpLostPackets
    case tcpUnrecoveredTo
    /// fluentd's `@timestamp`: `end_time * 1000` (milliseconds).
    case timestamp

    /// The JSON key.
    public var jsonKey: String {
        switch self {
        case .startTime: "start_time"
        case .endTime: "end_time"
        case .sourcePort: "source_port"
        case .destPort: "dest_port"
        case .destServicePortNum: "dest_service_port_num"
        case .bytesIn: "bytes_in"
        case .bytesOut: "bytes_out"
        case .numFlows: "num_flows"
        case .numFlowsStarted: "num_flows_started"
        case .numFlowsCompleted: "num_flows_completed"
        case .packetsIn: "packets_in"
        case .packetsOut: "packets_out"
        case .transitBytesIn: "transit_bytes_in"
        case .transitBytesOut: "transit_bytes_out"
        case .transitPacketsIn: "transit_packets_in"
        case .transitPacketsOut: "transit_packets_out"
        case .httpRequestsAllowedIn: "http_requests_allowed_in"
        case .httpRequestsDeniedIn: "http_requests_denied_in"
        case .numProcessNames: "num_process_names"
        case .numProcessIDs: "num_process_ids"
        case .numProcessArgs: "num_process_args"
        case .numOriginalSourceIPs: "num_original_source_ips"
        case .tcpMeanSendCongestionWindow: "tcp_mean_send_congestion_window"
        case .tcpMinSendCongestionWindow: "tcp_min_send_congestion_window"
        case .tcpMeanSmoothRTT: "tcp_mean_smooth_rtt"
        case .tcpMaxSmoothRTT: "tcp_max_smooth_rtt"
        case .tcpMeanMinRTT: "tcp_mean_min_rtt"
        case .tcpMaxMinRTT: "tcp_max_min_rtt"
        case .tcpMeanMSS: "tcp_mean_mss"
        case .tcpMinMSS: "tcp_min_mss"
        case .tcpTotalRetransmissions: "tcp_total_retransmissions"
        case .tcpLostPackets: "tcp_lost_packets"
        case .tcpUnrecoveredTo: "tcp_unrecovered_to"
        case .timestamp: "@timestamp"
        }
    }

    /// The SQL column name (the JSON key, with `@timestamp` renamed).
    public var column: String { self == .timestamp ? "timestamp_ms" : jsonKey }
}

/// The list-valued keys of a flow-log line.
public enum ListKey: Int, CaseIterable, Sendable {
    case natOutgoingPorts, destDomains, processArgs, originalSourceIPs

    /// The JSON key.
    public var jsonKey: String {
        switch self {
        case .natOutgoingPorts: "nat_outgoing_ports"
        case .destDomains: "dest_domains"
        case .processArgs: "process_args"
        case .originalSourceIPs: "original_source_ips"
        }
    }

    /// Whether the elements are JSON numbers (otherwise strings).
    public var isNumeric: Bool { self == .natOutgoingPorts }
}
