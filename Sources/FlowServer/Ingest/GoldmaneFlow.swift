import FlowLog

/// One flow of Goldmane's emitter body: the protobuf `Flow` marshalled by Go's `encoding/json` (keys from the
/// `json:` tags, `"Key"` capitalised, enums as integers, zero values omitted). `goldmane/proto/api.proto`.
struct GoldmaneFlow: Decodable {
    struct Key: Decodable {
        var source_name: String?
        var source_namespace: String?
        var source_type: Int?
        var dest_name: String?
        var dest_namespace: String?
        var dest_type: Int?
        var dest_port: Int64?
        var dest_service_name: String?
        var dest_service_namespace: String?
        var dest_service_port_name: String?
        var dest_service_port: Int64?
        var proto: String?
        var reporter: Int?
        var action: Int?
        var policies: Trace?
    }

    struct Trace: Decodable {
        var enforced_policies: [Hit]?
        var pending_policies: [Hit]?
    }

    final class Hit: Decodable {
        var kind: Int?
        var namespace: String?
        var name: String?
        var tier: String?
        var action: Int?
        var policy_index: Int64?
        var rule_index: Int64?
        var trigger: Hit?
    }

    var Key: Key?
    var start_time: Int64?
    var end_time: Int64?
    var source_labels: [String]?
    var dest_labels: [String]?
    var packets_in: Int64?
    var packets_out: Int64?
    var bytes_in: Int64?
    var bytes_out: Int64?
    var num_connections_started: Int64?
    var num_connections_completed: Int64?
    var num_connections_live: Int64?
}
