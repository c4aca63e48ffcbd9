/// Small helpers for writing JSON text.
public enum JSONText {
    /// Appends `s` as a JSON string literal (quotes, escapes).
    public static func appendString(_ s: String, to out: inout String) {
        out += "\""
        var plain = true
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5C {
            plain = false
            break
        }
        if plain {
            out += s
        } else {
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 {
                        let hex = String(u.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
        }
        out += "\""
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
