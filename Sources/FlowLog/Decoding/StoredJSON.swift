/// Reads back the small JSON texts the store keeps (lists, the policies object, unknown keys).
public enum StoredJSON {
    /// A JSON array of strings (numbers are returned as their text).
    public static func strings(_ text: String) -> [String]? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { b -> [String]? in
            var c = JSONCursor(UnsafeBufferPointer(b))
            var out: [String] = []
            do {
                try c.forEachElement { (e: inout JSONCursor) throws(DecodeError) in
                    e.skipWhitespace()
                    if e.peek() == UInt8(ascii: "\"") {
                        out.append(try e.readString())
                    } else {
                        out.append(try e.readNumberText())
                    }
                }
            } catch {
                return nil
            }
            return out
        }
    }

    /// The members of a JSON object as (key, raw value text), in order.
    public static func members(_ text: String) -> [(String, String)]? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { b -> [(String, String)]? in
            var c = JSONCursor(b)
            var out: [(String, String)] = []
            do {
                try c.expect(UInt8(ascii: "{"), "{")
                c.skipWhitespace()
                if c.peek() == UInt8(ascii: "}") { return out }
                while true {
                    let key = try c.readString()
                    try c.expect(UInt8(ascii: ":"), ":")
                    c.skipWhitespace()
                    let r = try c.skipValue(depth: 1)
                    out.append((key, String(decoding: UnsafeBufferPointer(start: c.base + r.lowerBound, count: r.count), as: UTF8.self)))
                    c.skipWhitespace()
                    if c.peek() == UInt8(ascii: ",") { c.pos += 1; continue }
                    try c.expect(UInt8(ascii: "}"), "}")
                    return out
                }
            } catch {
                return nil
            }
        }
    }

    /// The `policies` object as stored.
    public static func policies(_ text: String) -> PolicyLists? {
        guard let members = members(text) else { return nil }
        var p = PolicyLists()
        for (k, v) in members {
            guard let list = TraceList(rawValue: k) else { continue }
            p[list] = v == "null" ? nil : strings(v)
        }
        return p
    }

    /// The `policies` object as stores keep it: lists in the order all, enforced, pending, transit; absent lists
    /// omitted (what ``policies(_:)`` reads back).
    public static func text(of p: PolicyLists) -> String {
        var out = "{"
        var first = true
        for list in TraceList.allCases {
            guard let items = p[list] else { continue }
            if !first { out += "," }
            first = false
            out += "\"\(list.rawValue)\":"
            JSONText.appendArray(items, numeric: false, to: &out)
        }
        return out + "}"
    }
}
