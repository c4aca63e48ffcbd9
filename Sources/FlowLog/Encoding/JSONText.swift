/// Small helpers for writing JSON text.
public enum JSONText {
    /// Appends `s` as a JSON string literal (quotes, escapes): ``JSONWriter``'s, so that one rule escapes every
    /// text flowq writes.
    public static func appendString(_ s: String, to out: inout String) {
        var w = JSONWriter(capacity: s.utf8.count + 8)
        w.string(s)
        w.append(to: &out)
    }

    /// Appends a JSON array of strings, or of numbers written as text.
    public static func appendArray(_ items: [String], numeric: Bool, to out: inout String) {
        out += "["
        for (i, v) in items.enumerated() {
            if i > 0 { out += "," }
            if numeric { out += v } else { appendString(v, to: &out) }
        }
        out += "]"
    }

    /// A JSON array of strings, or of numbers written as text.
    public static func array(_ items: [String], numeric: Bool) -> String {
        var out = ""
        appendArray(items, numeric: numeric, to: &out)
        return out
    }

    /// A JSON string literal.
    public static func string(_ s: String) -> String {
        var out = ""
        appendString(s, to: &out)
        return out
    }
}
