import FlowLog

/// A Goldmane flow as the flow-log line Felix would have written (v2 policy strings), so that the decoder, the
/// store, KQL and the report treat it like any other line. As Linseed's Goldmane handler maps it: `source_name`
/// is the aggregated name, `num_connections_live` is `num_flows`, the traces become `enforced_policies` and
/// `pending_policies`. Goldmane has no IPs, no host and no transit trace.
enum GoldmaneLine {
    /// A mistake in one flow, reported as a reject with this reason.
    struct Invalid: Error {
        var reason: String
    }

    static let endpointTypes = [1: "wep", 2: "hep", 3: "ns", 4: "net"]
    static let actions = [1: "allow", 2: "deny", 3: "pass"]
    static let reporters = [1: "src", 2: "dst"]
    /// `PolicyKind` → the v2 kind prefix (`makeNamePart` in `goldmane/proto/methods.go`).
    static let kinds = [
        1: "np", 2: "gnp", 3: "snp", 4: "sgnp", 5: "sknp", 6: "knp", 7: "kanp", 8: "kbanp", 9: "pro", 11: "kcnp",
    ]
    static let endOfTier = 10

    static func line(_ f: GoldmaneFlow) throws(Invalid) -> String {
        guard let key = f.Key else { throw Invalid(reason: "no \"Key\"") }
        guard let start = f.start_time, let end = f.end_time else { throw Invalid(reason: "no start_time or end_time") }
        var o = "{\"start_time\":\(start),\"end_time\":\(end)"
        func text(_ name: String, _ value: String?) { o += ",\"\(name)\":" + JSONText.string(value.flatMap { $0.isEmpty ? nil : $0 } ?? "-") }
        func number(_ name: String, _ value: Int64?) { o += ",\"\(name)\":\(value ?? 0)" }
        func labels(_ name: String, _ value: [String]?) { o += ",\"\(name)\":{\"labels\":" + JSONText.array(value ?? [], numeric: false) + "}" }
        func named(_ table: [Int: String], _ value: Int?, _ what: String) throws(Invalid) -> String {
            guard let value, let name = table[value] else { throw Invalid(reason: "\(what) \(value.map(String.init) ?? "missing") is not known") }
            return name
        }
        text("source_name", key.source_name)
        text("source_name_aggr", key.source_name)
        text("source_namespace", key.source_namespace)
        text("source_type", try named(endpointTypes, key.source_type, "source_type"))
        labels("source_labels", f.source_labels)
        text("dest_name", key.dest_name)
        text("dest_name_aggr", key.dest_name)
        text("dest_namespace", key.dest_namespace)
        text("dest_type", try named(endpointTypes, key.dest_type, "dest_type"))
        labels("dest_labels", f.dest_labels)
        o += ",\"dest_port\":" + (key.dest_port.map(String.init) ?? "null")
        text("dest_service_name", key.dest_service_name)
        text("dest_service_namespace", key.dest_service_namespace)
        text("dest_service_port", key.dest_service_port_name)
        o += ",\"dest_service_port_num\":" + (key.dest_service_port.map(String.init) ?? "null")
        text("proto", key.proto)
        text("action", try named(actions, key.action, "action"))
        text("reporter", try named(reporters, key.reporter, "reporter"))
        o += ",\"policies\":{\"enforced_policies\":" + (try trace(key.policies?.enforced_policies))
        o += ",\"pending_policies\":" + (try trace(key.policies?.pending_policies)) + "}"
        number("packets_in", f.packets_in)
        number("packets_out", f.packets_out)
        number("bytes_in", f.bytes_in)
        number("bytes_out", f.bytes_out)
        number("num_flows", f.num_connections_live)
        number("num_flows_started", f.num_connections_started)
        number("num_flows_completed", f.num_connections_completed)
        return o + "}"
    }

    static func trace(_ hits: [GoldmaneFlow.Hit]?) throws(Invalid) -> String {
        var items: [String] = []
        for h in hits ?? [] { items.append(try hit(h)) }
        return JSONText.array(items, numeric: false)
    }

    /// `ToString` of a hit: `<policy index>|<tier>|<kind>:[<ns>/]<name>|<action>|<rule index>`.
    static func hit(_ h: GoldmaneFlow.Hit) throws(Invalid) -> String {
        guard let action = actions[h.action ?? 0] else { throw Invalid(reason: "policy hit action \(h.action ?? 0) is not known") }
        let named: GoldmaneFlow.Hit
        if h.kind == endOfTier {
            guard let trigger = h.trigger else { throw Invalid(reason: "an EndOfTier hit without trigger") }
            named = trigger
        } else {
            named = h
        }
        guard let kind = kinds[named.kind ?? 0] else { throw Invalid(reason: "policy kind \(named.kind ?? 0) is not known") }
        guard let name = named.name, !name.isEmpty else { throw Invalid(reason: "a policy hit without name") }
        let ns = named.namespace.flatMap { $0.isEmpty ? nil : $0 }
        let tier = named.kind == 9 ? "__PROFILE__" : (h.tier ?? "")
        return "\(h.policy_index ?? 0)|\(tier)|\(kind):\(ns.map { $0 + "/" } ?? "")\(name)|\(action)|\(h.rule_index ?? 0)"
    }
}
