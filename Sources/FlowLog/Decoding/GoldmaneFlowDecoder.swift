/// Goldmane's emitter flows (Calico OSS 3.30+) as the flow-log lines Felix would write.
///
/// A flow is the protobuf `Flow` of `goldmane/proto/api.proto` marshalled by Go's `encoding/json` (keys from the
/// `json:` tags, `"Key"` capitalised, enums as integers, zero values omitted). It becomes a v2 line as Linseed's
/// Goldmane handler maps it: `source_name` is the aggregated name, `num_connections_live` is `num_flows`, the
/// traces become `enforced_policies` and `pending_policies` (`ToString` of each hit; an EndOfTier hit is named by
/// its trigger). Goldmane has no IPs, no host and no transit trace. Read with ``JSONCursor`` (Foundation's
/// `JSONDecoder` managed about 7,000 flows/s here).
public struct GoldmaneFlowDecoder: Sendable {
    public init() {}

    static let endpointTypes: [Int64: String] = [1: "wep", 2: "hep", 3: "ns", 4: "net"]
    static let actions: [Int64: String] = [1: "allow", 2: "deny", 3: "pass"]
    static let reporters: [Int64: String] = [1: "src", 2: "dst"]
    /// `PolicyKind` → the v2 kind prefix (`makeNamePart` in `goldmane/proto/methods.go`).
    static let kinds: [Int64: String] = [
        1: "np", 2: "gnp", 3: "snp", 4: "sgnp", 5: "sknp", 6: "knp", 7: "kanp", 8: "kbanp", 9: "pro", 11: "kcnp",
    ]
    static let endOfTier: Int64 = 10
    static let profile: Int64 = 9

    final class Hit {
        var kind: Int64 = 0
        var namespace = ""
        var name = ""
        var tier = ""
        var action: Int64 = 0
        var policyIndex: Int64 = 0
        var ruleIndex: Int64 = 0
        var trigger: Hit?
    }

    struct Key {
        var text: [String: String] = [:]
        var ints: [String: Int64] = [:]
        var enforced: [Hit] = []
        var pending: [Hit] = []
    }

    /// The flow-log line of one Goldmane flow.
    public func felixLine(_ bytes: UnsafeBufferPointer<UInt8>) throws(DecodeError) -> String {
        var c = JSONCursor(bytes)
        c.skipWhitespace()
        guard c.peek() == UInt8(ascii: "{") else { throw c.fail("a Goldmane flow is a JSON object", code: .notAnObject) }
        var key: Key?
        var ints: [String: Int64] = [:]
        var labels: [String: [String]] = [:]
        try c.forEachMember { name, c throws(DecodeError) in
            switch name {
            case "Key": key = try Self.key(&c)
            case "source_labels", "dest_labels": labels[name] = try Self.strings(&c)
            case "start_time", "end_time", "packets_in", "packets_out", "bytes_in", "bytes_out", "num_connections_started",
                "num_connections_completed", "num_connections_live":
                if try !c.consumeNull() { ints[name] = try c.readInt() }
            default: _ = try c.skipValue()
            }
        }
        c.skipWhitespace()
        guard c.atEnd else { throw c.fail("text after the flow") }
        guard let key else { throw DecodeError(.invalidFlow, "no \"Key\"", at: 0) }
        guard let start = ints["start_time"], let end = ints["end_time"] else {
            throw DecodeError(.invalidFlow, "no start_time or end_time", at: 0)
        }
        var o = "{\"start_time\":\(start),\"end_time\":\(end)"
        func text(_ name: String, _ value: String?) { o += ",\"\(name)\":" + JSONText.string(value.flatMap { $0.isEmpty ? nil : $0 } ?? "-") }
        func number(_ name: String, _ value: Int64?) { o += ",\"\(name)\":\(value ?? 0)" }
        func labelList(_ name: String) { o += ",\"\(name)\":{\"labels\":" + JSONText.array(labels[name] ?? [], numeric: false) + "}" }
        func named(_ table: [Int64: String], _ field: String) throws(DecodeError) -> String {
            guard let v = key.ints[field], let name = table[v] else {
                throw DecodeError(.invalidFlow, "\(field) \(key.ints[field].map(String.init) ?? "missing") is not known", at: 0)
            }
            return name
        }
        text("source_name", key.text["source_name"])
        text("source_name_aggr", key.text["source_name"])
        text("source_namespace", key.text["source_namespace"])
        text("source_type", try named(Self.endpointTypes, "source_type"))
        labelList("source_labels")
        text("dest_name", key.text["dest_name"])
        text("dest_name_aggr", key.text["dest_name"])
        text("dest_namespace", key.text["dest_namespace"])
        text("dest_type", try named(Self.endpointTypes, "dest_type"))
        labelList("dest_labels")
        o += ",\"dest_port\":" + (key.ints["dest_port"].map(String.init) ?? "null")
        text("dest_service_name", key.text["dest_service_name"])
        text("dest_service_namespace", key.text["dest_service_namespace"])
        text("dest_service_port", key.text["dest_service_port_name"])
        o += ",\"dest_service_port_num\":" + (key.ints["dest_service_port"].map(String.init) ?? "null")
        text("proto", key.text["proto"])
        text("action", try named(Self.actions, "action"))
        text("reporter", try named(Self.reporters, "reporter"))
        o += ",\"policies\":{\"enforced_policies\":" + (try Self.trace(key.enforced))
        o += ",\"pending_policies\":" + (try Self.trace(key.pending)) + "}"
        number("packets_in", ints["packets_in"])
        number("packets_out", ints["packets_out"])
        number("bytes_in", ints["bytes_in"])
        number("bytes_out", ints["bytes_out"])
        number("num_flows", ints["num_connections_live"])
        number("num_flows_started", ints["num_connections_started"])
        number("num_flows_completed", ints["num_connections_completed"])
        return o + "}"
    }

    static func strings(_ c: inout JSONCursor) throws(DecodeError) -> [String] {
        var out: [String] = []
        if try c.consumeNull() { return out }
        try c.forEachElement { c throws(DecodeError) in out.append(try c.readString()) }
        return out
    }

    static func key(_ c: inout JSONCursor) throws(DecodeError) -> Key {
        var key = Key()
        try c.forEachMember { name, c throws(DecodeError) in
            switch name {
            case "source_name", "source_namespace", "dest_name", "dest_namespace", "dest_service_name",
                "dest_service_namespace", "dest_service_port_name", "proto":
                if try !c.consumeNull() { key.text[name] = try c.readString() }
            case "source_type", "dest_type", "dest_port", "dest_service_port", "reporter", "action":
                if try !c.consumeNull() { key.ints[name] = try c.readInt() }
            case "policies":
                if try c.consumeNull() { return }
                try c.forEachMember { list, c throws(DecodeError) in
                    switch list {
                    case "enforced_policies": key.enforced = try hits(&c)
                    case "pending_policies": key.pending = try hits(&c)
                    default: _ = try c.skipValue()
                    }
                }
            default: _ = try c.skipValue()
            }
        }
        return key
    }

    static func hits(_ c: inout JSONCursor) throws(DecodeError) -> [Hit] {
        var out: [Hit] = []
        if try c.consumeNull() { return out }
        try c.forEachElement { c throws(DecodeError) in out.append(try hit(&c, depth: 0)) }
        return out
    }

    static func hit(_ c: inout JSONCursor, depth: Int) throws(DecodeError) -> Hit {
        guard depth < 4 else { throw c.fail("policy hit triggers nested too deep", code: .invalidFlow) }
        let h = Hit()
        try c.forEachMember { name, c throws(DecodeError) in
            switch name {
            case "kind": h.kind = try c.readInt()
            case "action": h.action = try c.readInt()
            case "policy_index": h.policyIndex = try c.readInt()
            case "rule_index": h.ruleIndex = try c.readInt()
            case "namespace": h.namespace = try c.readString()
            case "name": h.name = try c.readString()
            case "tier": h.tier = try c.readString()
            case "trigger": h.trigger = try c.consumeNull() ? nil : try hit(&c, depth: depth + 1)
            default: _ = try c.skipValue()
            }
        }
        return h
    }

    static func trace(_ hits: [Hit]) throws(DecodeError) -> String {
        var items: [String] = []
        for h in hits { items.append(try string(h)) }
        return JSONText.array(items, numeric: false)
    }

    /// `ToString` of a hit: `<policy index>|<tier>|<kind>:[<ns>/]<name>|<action>|<rule index>`.
    static func string(_ h: Hit) throws(DecodeError) -> String {
        guard let action = actions[h.action] else { throw DecodeError(.invalidFlow, "policy hit action \(h.action) is not known", at: 0) }
        let named: Hit
        if h.kind == endOfTier {
            guard let trigger = h.trigger else { throw DecodeError(.invalidFlow, "an EndOfTier hit without trigger", at: 0) }
            named = trigger
        } else {
            named = h
        }
        guard let kind = kinds[named.kind] else { throw DecodeError(.invalidFlow, "policy kind \(named.kind) is not known", at: 0) }
        guard !named.name.isEmpty else { throw DecodeError(.invalidFlow, "a policy hit without name", at: 0) }
        let ns = named.namespace.isEmpty ? "" : named.namespace + "/"
        let tier = named.kind == profile ? "__PROFILE__" : h.tier
        return "\(h.policyIndex)|\(tier)|\(kind):\(ns)\(named.name)|\(action)|\(h.ruleIndex)"
    }
}
