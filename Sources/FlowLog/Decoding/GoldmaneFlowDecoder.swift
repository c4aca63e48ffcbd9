/// Goldmane's emitter flows (Calico OSS 3.30+) decoded into the ``FlowRecord`` of the flow-log line Felix would
/// write.
///
/// A flow is the protobuf `Flow` of `goldmane/proto/api.proto` marshalled by Go's `encoding/json` (keys from the
/// `json:` tags, `"Key"` capitalised, enums as integers, zero values omitted). It becomes a v2 line as Linseed's
/// Goldmane handler maps it: `source_name` and `source_name_aggr` are the aggregated name (`-` when empty),
/// `num_flows` is `num_connections_live`, absent counters are 0, the traces become `enforced_policies` and
/// `pending_policies` (`ToString` of each hit; an EndOfTier hit is named by its trigger), labels `{"labels":[…]}`.
/// Goldmane has no IPs, no host and no transit trace.
///
/// The record is built straight from the bytes with ``JSONCursor`` (Foundation's `JSONDecoder` managed about 7,000
/// flows/s here; writing a Felix line and decoding it again cost 40% of the receiver's time). Like
/// ``FlowLineDecoder`` it keeps an ``InternPool``, so repeated names, label sets and traces are one object each and
/// the store's identity caches hit; a decoder is used by one thread at a time.
public final class GoldmaneFlowDecoder: RecordDecoding {
    private let pool = InternPool()

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

    /// The member names this decoder reads, matched on their bytes (no String per member).
    enum Name: CaseIterable {
        // Flow
        case key, sourceLabels, destLabels, startTime, endTime, packetsIn, packetsOut, bytesIn, bytesOut
        case connectionsStarted, connectionsCompleted, connectionsLive
        // FlowKey
        case sourceName, sourceNamespace, sourceType, destName, destNamespace, destType, destPort
        case destServiceName, destServiceNamespace, destServicePortName, destServicePort, proto, reporter, action
        case policies, enforcedPolicies, pendingPolicies
        // PolicyHit
        case kind, namespace, name, tier, policyIndex, ruleIndex, trigger

        var json: String {
            switch self {
            case .key: "Key"
            case .sourceLabels: "source_labels"
            case .destLabels: "dest_labels"
            case .startTime: "start_time"
            case .endTime: "end_time"
            case .packetsIn: "packets_in"
            case .packetsOut: "packets_out"
            case .bytesIn: "bytes_in"
            case .bytesOut: "bytes_out"
            case .connectionsStarted: "num_connections_started"
            case .connectionsCompleted: "num_connections_completed"
            case .connectionsLive: "num_connections_live"
            case .sourceName: "source_name"
            case .sourceNamespace: "source_namespace"
            case .sourceType: "source_type"
            case .destName: "dest_name"
            case .destNamespace: "dest_namespace"
            case .destType: "dest_type"
            case .destPort: "dest_port"
            case .destServiceName: "dest_service_name"
            case .destServiceNamespace: "dest_service_namespace"
            case .destServicePortName: "dest_service_port_name"
            case .destServicePort: "dest_service_port"
            case .proto: "proto"
            case .reporter: "reporter"
            case .action: "action"
            case .policies: "policies"
            case .enforcedPolicies: "enforced_policies"
            case .pendingPolicies: "pending_policies"
            case .kind: "kind"
            case .namespace: "namespace"
            case .name: "name"
            case .tier: "tier"
            case .policyIndex: "policy_index"
            case .ruleIndex: "rule_index"
            case .trigger: "trigger"
            }
        }

        static let table = ByteKeyTable(allCases.map { ($0.json, $0) })
    }

    /// What the `Key` object holds, before it is checked and mapped.
    struct Key {
        var sourceName: String?, sourceNamespace: String?, destName: String?, destNamespace: String?
        var destServiceName: String?, destServiceNamespace: String?, destServicePortName: String?, proto: String?
        var sourceType: Int64?, destType: Int64?, destPort: Int64?, destServicePort: Int64?
        var reporter: Int64?, action: Int64?
        var policies: PolicyLists?
    }

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

    /// Decodes one Goldmane flow (one line of the emitter's body, without its newline) into `r`, whose every key
    /// is absent (``RecordDecoding``'s `decode` forms call it).
    public func fill(_ r: inout FlowRecord, from bytes: UnsafeBufferPointer<UInt8>) throws(DecodeError) {
        var c = JSONCursor(bytes)
        c.skipWhitespace()
        guard c.peek() == UInt8(ascii: "{") else { throw c.fail("a Goldmane flow is a JSON object", code: .notAnObject) }
        var key: Key?
        var sourceLabels: [String] = [], destLabels: [String] = []
        try c.forEachMember(in: Name.table) { name, c throws(DecodeError) in
            switch name {
            case .key: key = try self.key(&c)
            case .sourceLabels: sourceLabels = try labels(&c)
            case .destLabels: destLabels = try labels(&c)
            case .startTime: try int(&c, into: &r, .startTime)
            case .endTime: try int(&c, into: &r, .endTime)
            case .packetsIn: try int(&c, into: &r, .packetsIn)
            case .packetsOut: try int(&c, into: &r, .packetsOut)
            case .bytesIn: try int(&c, into: &r, .bytesIn)
            case .bytesOut: try int(&c, into: &r, .bytesOut)
            case .connectionsStarted: try int(&c, into: &r, .numFlowsStarted)
            case .connectionsCompleted: try int(&c, into: &r, .numFlowsCompleted)
            case .connectionsLive: try int(&c, into: &r, .numFlows)
            default: _ = try c.skipValue()
            }
        }
        c.skipWhitespace()
        guard c.atEnd else { throw c.fail("text after the flow") }
        guard let key else { throw DecodeError(.invalidFlow, "no \"Key\"", at: 0) }
        guard r[.startTime] != nil, r[.endTime] != nil else {
            throw DecodeError(.invalidFlow, "no start_time or end_time", at: 0)
        }
        func text(_ value: String?) -> String { value.flatMap { $0.isEmpty ? nil : $0 } ?? "-" }
        func named(_ table: [Int64: String], _ value: Int64?, _ field: Name) throws(DecodeError) -> String {
            guard let value, let name = table[value] else {
                throw DecodeError(.invalidFlow, "\(field.json) \(value.map(String.init) ?? "missing") is not known", at: 0)
            }
            return name
        }
        r[.sourceName] = text(key.sourceName)
        r[.sourceNameAggr] = r[.sourceName]
        r[.sourceNamespace] = text(key.sourceNamespace)
        r[.sourceType] = try named(Self.endpointTypes, key.sourceType, .sourceType)
        r.sourceLabels = sourceLabels
        r[.destName] = text(key.destName)
        r[.destNameAggr] = r[.destName]
        r[.destNamespace] = text(key.destNamespace)
        r[.destType] = try named(Self.endpointTypes, key.destType, .destType)
        r.destLabels = destLabels
        r[.destPort] = key.destPort
        r[.destServiceName] = text(key.destServiceName)
        r[.destServiceNamespace] = text(key.destServiceNamespace)
        r[.destServicePort] = text(key.destServicePortName)
        r[.destServicePortNum] = key.destServicePort
        r[.proto] = text(key.proto)
        r[.action] = try named(Self.actions, key.action, .action)
        r[.reporter] = try named(Self.reporters, key.reporter, .reporter)
        r.policies = key.policies ?? pool.shared(PolicyLists(enforced: [], pending: []))
        for k in [IntKey.packetsIn, .packetsOut, .bytesIn, .bytesOut, .numFlows, .numFlowsStarted, .numFlowsCompleted]
        where r[k] == nil {
            r[k] = 0
        }
    }

    /// An integer member; `null` leaves what an earlier duplicate set.
    private func int(_ c: inout JSONCursor, into r: inout FlowRecord, _ k: IntKey) throws(DecodeError) {
        if try !c.consumeNull() { r[k] = try c.readInt() }
    }

    /// A string, interned when it has no escapes.
    private func string(_ c: inout JSONCursor) throws(DecodeError) -> String {
        let (s, e, plain) = try c.scanString()
        if plain { return pool.string(c.base + s, e - s) }
        return try c.decodeString(from: s, to: e)
    }

    private func optionalString(_ c: inout JSONCursor, _ old: String?) throws(DecodeError) -> String? {
        try c.consumeNull() ? old : try string(&c)
    }

    private func optionalInt(_ c: inout JSONCursor, _ old: Int64?) throws(DecodeError) -> Int64? {
        try c.consumeNull() ? old : try c.readInt()
    }

    /// A label list (`null` is none), in ``CanonicalOrder``, one object per set.
    private func labels(_ c: inout JSONCursor) throws(DecodeError) -> [String] {
        let (bytes, count, start) = try Self.skip(&c)
        return try pool.list(bytes, count) { () throws(DecodeError) in
            var inner = start
            var out: [String] = []
            if try inner.consumeNull() { return out }
            try inner.forEachElement { c throws(DecodeError) in out.append(try string(&c)) }
            return pool.shared(CanonicalOrder.set(out))
        } ?? []
    }

    /// Skips (and validates) the value at the cursor: its bytes, and a cursor at its start to read it from when
    /// the intern pool has not seen those bytes before.
    private static func skip(_ c: inout JSONCursor) throws(DecodeError) -> (UnsafePointer<UInt8>, Int, JSONCursor) {
        c.skipWhitespace()
        let start = c
        let range = try c.skipValue()
        return (c.base + range.lowerBound, range.count, start)
    }

    private func key(_ c: inout JSONCursor) throws(DecodeError) -> Key {
        var key = Key()
        try c.forEachMember(in: Name.table) { name, c throws(DecodeError) in
            switch name {
            case .sourceName: key.sourceName = try optionalString(&c, key.sourceName)
            case .sourceNamespace: key.sourceNamespace = try optionalString(&c, key.sourceNamespace)
            case .destName: key.destName = try optionalString(&c, key.destName)
            case .destNamespace: key.destNamespace = try optionalString(&c, key.destNamespace)
            case .destServiceName: key.destServiceName = try optionalString(&c, key.destServiceName)
            case .destServiceNamespace: key.destServiceNamespace = try optionalString(&c, key.destServiceNamespace)
            case .destServicePortName: key.destServicePortName = try optionalString(&c, key.destServicePortName)
            case .proto: key.proto = try optionalString(&c, key.proto)
            case .sourceType: key.sourceType = try optionalInt(&c, key.sourceType)
            case .destType: key.destType = try optionalInt(&c, key.destType)
            case .destPort: key.destPort = try optionalInt(&c, key.destPort)
            case .destServicePort: key.destServicePort = try optionalInt(&c, key.destServicePort)
            case .reporter: key.reporter = try optionalInt(&c, key.reporter)
            case .action: key.action = try optionalInt(&c, key.action)
            case .policies: key.policies = try policies(&c)
            default: _ = try c.skipValue()
            }
        }
        return key
    }

    /// The `policies` object as the two traces (each `[]` when absent), in ``CanonicalOrder``, one object per
    /// trace: the same bytes are mapped once.
    private func policies(_ c: inout JSONCursor) throws(DecodeError) -> PolicyLists? {
        let (bytes, count, start) = try Self.skip(&c)
        return try pool.policyLists(bytes, count) { () throws(DecodeError) in
            var inner = start
            var enforced: [Hit] = [], pending: [Hit] = []
            if try !inner.consumeNull() {
                try inner.forEachMember(in: Name.table) { list, c throws(DecodeError) in
                    switch list {
                    case .enforcedPolicies: enforced = try Self.hits(&c)
                    case .pendingPolicies: pending = try Self.hits(&c)
                    default: _ = try c.skipValue()
                    }
                }
            }
            let lists = PolicyLists(enforced: try enforced.map(Self.string), pending: try pending.map(Self.string))
            return pool.shared(lists.canonical)
        }
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
        try c.forEachMember(in: Name.table) { name, c throws(DecodeError) in
            switch name {
            case .kind: h.kind = try c.readInt()
            case .action: h.action = try c.readInt()
            case .policyIndex: h.policyIndex = try c.readInt()
            case .ruleIndex: h.ruleIndex = try c.readInt()
            case .namespace: h.namespace = try c.readString()
            case .name: h.name = try c.readString()
            case .tier: h.tier = try c.readString()
            case .trigger: h.trigger = try c.consumeNull() ? nil : try hit(&c, depth: depth + 1)
            default: _ = try c.skipValue()
            }
        }
        return h
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
