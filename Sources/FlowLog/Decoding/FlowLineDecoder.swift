/// Decodes one Felix flow-log line (any era) into a ``FlowRecord``.
///
/// Accepts: every key of `JSONOutput` and Linseed's `FlowLog`; `null` vs `[]` lists; missing keys;
/// `policies: null`; fluentd's `host` and `@timestamp`; unknown keys (kept raw in ``FlowRecord/extra``).
/// Rejects, with a ``DecodeError``: invalid JSON or UTF-8, a line that is not an object, and known keys
/// of the wrong type. Duplicate keys: the last one wins, as in Go and JavaScript. Lists Felix builds from maps
/// (policy hits, `dest_domains`, labels) come out in ``CanonicalOrder``.
///
/// Keeps bounded pools of the values it decoded (``InternPool``, and ``SetPool`` for the lists Felix builds from maps)
/// and the member names of the line before (``KeyOrder``), so a decoder is used by one thread at a time.
public struct FlowLineDecoder: RecordDecoding {
    private let pool = InternPool()
    private let order = KeyOrder<Slot>()
    private let sets = SetPool()

    public init() {}

    /// Decodes a line (without its newline) into `record`, whose every key is absent (``RecordDecoding``'s
    /// `decode` forms call it). A UTF-8 byte-order mark before it (editors write one at the start of a file) is
    /// skipped.
    public func fill(_ record: inout FlowRecord, from line: UnsafeBufferPointer<UInt8>) throws(DecodeError) {
        var c = JSONCursor(line)
        if line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF { c.pos = 3 }
        c.skipWhitespace()
        if c.atEnd { throw DecodeError(.emptyLine, "empty line", at: 0) }
        guard c.peek() == UInt8(ascii: "{") else {
            throw DecodeError(.notAnObject, "a flow-log line is a JSON object", at: c.pos)
        }
        c.pos += 1
        c.skipWhitespace()
        if c.peek() == UInt8(ascii: "}") {
            c.pos += 1
        } else {
            var position = 0
            while true {
                // The name the previous line had at this position, checked on its bytes (see ``KeyOrder``).
                var length = 0
                if let slot = order.match(position, c.base + c.pos, c.end - c.pos, length: &length) {
                    c.pos &+= length
                    try read(slot, &c, into: &record)
                } else {
                    try readMember(at: position, &c, into: &record)
                }
                position &+= 1
                c.skipWhitespace()
                if c.peek() == UInt8(ascii: ",") { c.pos += 1; continue }
                try c.expect(UInt8(ascii: "}"), "',' or '}'")
                break
            }
        }
        c.skipWhitespace()
        if !c.atEnd { throw DecodeError(.invalidJSON, "unexpected text after the object", at: c.pos) }
        if record.extra.count > 1 { record.extra = Self.lastOfEachKey(record.extra) }
    }

    /// A member whose name is not the one ``KeyOrder`` expected at `position`: the name is read and looked up (and
    /// remembered for the next line), then its value is read into its slot, or kept raw as an unknown key.
    private func readMember(at position: Int, _ c: inout JSONCursor, into record: inout FlowRecord) throws(DecodeError) {
        c.skipWhitespace()
        let nameStart = c.pos
        let (ks, ke, plain) = try c.scanString()
        try c.expect(UInt8(ascii: ":"), "':' after a key")
        // Escape-free keys are matched on their bytes; only keys with escapes are decoded first.
        let key = plain ? nil : try c.decodeString(from: ks, to: ke)
        if let slot = key.map({ Self.keys.byText[$0] }) ?? Self.keys.lookup(c.base + ks, ke - ks) {
            if plain && c.pos == ke + 2 { order.remember(position, c.base + nameStart, c.pos - nameStart, slot) }
            try read(slot, &c, into: &record)
        } else {
            let name = key ?? String(decoding: UnsafeBufferPointer(start: c.base + ks, count: ke - ks), as: UTF8.self)
            let r = try c.skipValue(depth: 1)
            let raw = String(decoding: UnsafeBufferPointer(start: c.base + r.lowerBound, count: r.count), as: UTF8.self)
            record.extra.append(ExtraField(key: name, rawJSON: raw))
        }
    }

    /// Unknown keys with duplicates removed, the last value of each kept where it stood: one pass with a set,
    /// so a line of many unknown keys costs linear time (a search per key would be quadratic).
    static func lastOfEachKey(_ fields: [ExtraField]) -> [ExtraField] {
        var seen = Set<String>(minimumCapacity: fields.count)
        var kept: [ExtraField] = []
        kept.reserveCapacity(fields.count)
        for f in fields.reversed() where seen.insert(f.key).inserted { kept.append(f) }
        if kept.count == fields.count { return fields }
        return kept.reversed()
    }

    /// Decodes a line given as bytes.
    public func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> FlowRecord {
        let array = Array(bytes)
        do {
            return try array.withUnsafeBufferPointer { buffer in try decode(buffer) }
        } catch let e as DecodeError {
            throw e
        } catch {
            fatalError("unreachable: \(error)")
        }
    }

    /// Decodes a line given as a string.
    public func decode(_ line: String) throws(DecodeError) -> FlowRecord {
        try decode(Array(line.utf8))
    }

    private func read(_ slot: Slot, _ c: inout JSONCursor, into record: inout FlowRecord) throws(DecodeError) {
        switch slot {
        case .text(let k):
            if try c.consumeNull() { record.texts[k.rawValue] = nil; return }
            guard c.peek() == UInt8(ascii: "\"") else {
                throw DecodeError(.wrongType, "\(k.jsonKey) must be a string", at: c.pos)
            }
            record.texts[k.rawValue] = try readString(&c)
        case .int(let k):
            if try c.consumeNull() { record.ints[k.rawValue] = nil; return }
            do {
                record.ints[k.rawValue] = try c.readInt()
            } catch {
                throw DecodeError(error.code, "\(k.jsonKey): \(error.message)", at: error.position)
            }
        case .list(let k):
            if k == .destDomains {
                record.lists[k.rawValue] = try readSet(k.jsonKey, hits: false, &c)
            } else {
                record.lists[k.rawValue] = try interned(&c) { (c: inout JSONCursor) throws(DecodeError) in
                    try readList(k.jsonKey, numeric: k.isNumeric, &c)
                }
            }
        case .sourceLabels:
            record.sourceLabels = try readLabels("source_labels", &c)
        case .destLabels:
            record.destLabels = try readLabels("dest_labels", &c)
        case .policies:
            record.policies = try readPolicies(&c)
        }
    }

    /// A list Felix builds from a map (labels, domains, the hits of a policy list), in ``CanonicalOrder``: the same
    /// set in any order is found in the ``SetPool`` and comes out as the same object.
    private func readSet(_ key: @autoclosure () -> String, hits: Bool, _ c: inout JSONCursor) throws(DecodeError) -> [String]? {
        if try c.consumeNull() { return nil }
        guard c.peek() == UInt8(ascii: "[") else { throw DecodeError(.wrongType, "\(key()) must be a list", at: c.pos) }
        let start = c.pos
        var poolable = true
        sets.begin()
        try c.forEachElement { (e: inout JSONCursor) throws(DecodeError) in
            e.skipWhitespace()
            guard e.peek() == UInt8(ascii: "\"") else { throw DecodeError(.wrongType, "\(key()) must hold strings", at: e.pos) }
            let (s, end, plain) = try e.scanString()
            if poolable { poolable = plain && sets.add(e.base + s, end - s) }
        }
        if poolable, let value = sets.lookup() { return value }
        var inner = c
        inner.pos = start
        let items = try readList(key(), numeric: false, &inner) ?? []
        let value = pool.shared(hits ? CanonicalOrder.hits(items) : CanonicalOrder.set(items))
        if poolable { sets.store(value) }
        return value
    }

    /// A list value, reused from the pool when the same bytes were decoded before.
    private func interned(_ c: inout JSONCursor, _ parse: (inout JSONCursor) throws(DecodeError) -> [String]?)
        throws(DecodeError) -> [String]?
    {
        c.skipWhitespace()
        let start = c.pos
        let range = try c.skipValue(depth: 1)
        let cursor = c
        return try pool.list(c.base + start, range.count) { () throws(DecodeError) in
            var inner = cursor
            inner.pos = start
            return try parse(&inner)
        }
    }

    /// A string, interned when it has no escapes.
    @inline(__always)
    private func readString(_ c: inout JSONCursor) throws(DecodeError) -> String {
        let (s, e, plain) = try c.scanString()
        if plain { return pool.string(c.base + s, e - s) }
        return try c.decodeString(from: s, to: e)
    }

    private func readList(_ key: String, numeric: Bool, _ c: inout JSONCursor) throws(DecodeError) -> [String]? {
        if try c.consumeNull() { return nil }
        guard c.peek() == UInt8(ascii: "[") else { throw DecodeError(.wrongType, "\(key) must be a list", at: c.pos) }
        var items: [String] = []
        try c.forEachElement { (e: inout JSONCursor) throws(DecodeError) in
            e.skipWhitespace()
            if numeric {
                items.append(String(try e.readInt()))
            } else {
                guard e.peek() == UInt8(ascii: "\"") else {
                    throw DecodeError(.wrongType, "\(key) must hold strings", at: e.pos)
                }
                items.append(try readString(&e))
            }
        }
        return items
    }

    private func readLabels(_ key: String, _ c: inout JSONCursor) throws(DecodeError) -> [String]? {
        if try c.consumeNull() { return nil }
        guard c.peek() == UInt8(ascii: "{") else {
            throw DecodeError(.wrongType, "\(key) must be an object {\"labels\":[...]}", at: c.pos)
        }
        var labels: [String]? = nil
        try c.forEachMember(in: Self.labelsKey) { (isLabels: Bool?, c: inout JSONCursor) throws(DecodeError) in
            if isLabels == true {
                labels = try readSet("\(key).labels", hits: false, &c)
            } else {
                _ = try c.skipValue(depth: 2)
            }
        }
        return labels ?? pool.shared([])
    }

    private func readPolicies(_ c: inout JSONCursor) throws(DecodeError) -> PolicyLists? {
        if try c.consumeNull() { return nil }
        guard c.peek() == UInt8(ascii: "{") else { throw DecodeError(.wrongType, "policies must be an object", at: c.pos) }
        // Each list is a canonical, shared object, so the same trace in any order has the same bits.
        var lists = PolicyLists()
        try c.forEachMember(in: Self.traceLists) { (list: TraceList?, c: inout JSONCursor) throws(DecodeError) in
            if let list {
                lists[list] = try readSet("policies.\(list.rawValue)", hits: true, &c)
            } else {
                _ = try c.skipValue(depth: 2)
            }
        }
        return lists
    }
}

extension FlowLineDecoder {
    /// Where each key of a line goes in the record.
    enum Slot: Sendable {
        case text(TextKey), int(IntKey), list(ListKey), sourceLabels, destLabels, policies
    }

    /// The one member of `source_labels` and `dest_labels` that is read.
    static let labelsKey = ByteKeyTable<Bool>([("labels", true)])
    /// The members of `policies`.
    static let traceLists = ByteKeyTable<TraceList>(TraceList.allCases.map { ($0.rawValue, $0) })

    /// The record slot of every known key.
    static let keys: ByteKeyTable<Slot> = {
        var s: [(String, Slot)] = []
        for k in TextKey.allCases { s.append((k.jsonKey, .text(k))) }
        for k in IntKey.allCases { s.append((k.jsonKey, .int(k))) }
        for k in ListKey.allCases { s.append((k.jsonKey, .list(k))) }
        s += [("source_labels", .sourceLabels), ("dest_labels", .destLabels), ("policies", .policies)]
        return ByteKeyTable(s)
    }()
}
