import FlowLog
import Foundation

/// The reference decoder for differential tests: Foundation's JSONSerialization, mapped to a FlowRecord.
enum FoundationOracle {
    struct WrongType: Error {}

    static func decode(_ line: String) throws -> FlowRecord {
        let obj = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        guard let dict = obj as? [String: Any] else { throw WrongType() }
        return try record(dict)
    }

    static func record(_ dict: [String: Any]) throws -> FlowRecord {
        var r = FlowRecord()
        for (key, value) in dict {
            if let k = TextKey.allCases.first(where: { $0.jsonKey == key }) {
                if value is NSNull { continue }
                guard let s = value as? String else { throw WrongType() }
                r[k] = s
            } else if let k = IntKey.allCases.first(where: { $0.jsonKey == key }) {
                if value is NSNull { continue }
                guard let n = value as? NSNumber, !"\(n)".contains("."), !"\(n)".contains("e") else { throw WrongType() }
                r[k] = n.int64Value
            } else if let k = ListKey.allCases.first(where: { $0.jsonKey == key }) {
                if value is NSNull { continue }
                let items = try strings(value, numeric: k.isNumeric)
                r[k] = k == .destDomains ? items.sorted() : items
            } else if key == "source_labels" || key == "dest_labels" {
                if value is NSNull { continue }
                guard let d = value as? [String: Any] else { throw WrongType() }
                let labels = try d["labels"].map { $0 is NSNull ? [] : try strings($0, numeric: false) } ?? []
                if key == "source_labels" { r.sourceLabels = labels.sorted() } else { r.destLabels = labels.sorted() }
            } else if key == "policies" {
                if value is NSNull { continue }
                guard let d = value as? [String: Any] else { throw WrongType() }
                var p = PolicyLists()
                for list in TraceList.allCases {
                    guard let v = d[list.rawValue], !(v is NSNull) else { continue }
                    // Index order (written independently of CanonicalOrder): the number before the first `|`, then
                    // the text; hits without a number last.
                    p[list] = try strings(v, numeric: false).sorted { a, b in
                        let ia = index(a), ib = index(b)
                        return ia != ib ? ia < ib : a < b
                    }
                }
                r.policies = p
            } else {
                r.extra.append(ExtraField(key: key, rawJSON: "?"))
            }
        }
        r.extra.sort { $0.key < $1.key }
        return r
    }

    /// A record with its map-built lists in the decoder's order (the same rules as in ``record(_:)``).
    static func canonical(_ r: FlowRecord) -> FlowRecord {
        var c = r
        c.sourceLabels = r.sourceLabels?.sorted()
        c.destLabels = r.destLabels?.sorted()
        c[.destDomains] = r[.destDomains]?.sorted()
        if var p = r.policies {
            for list in TraceList.allCases {
                p[list] = p[list]?.sorted { a, b in
                    let ia = index(a), ib = index(b)
                    return ia != ib ? ia < ib : a < b
                }
            }
            c.policies = p
        }
        return c
    }

    /// 1 to 18 ASCII digits before the first `|` (or the end), else last.
    static func index(_ hit: String) -> Int {
        let digits = hit.utf8.prefix { $0 != UInt8(ascii: "|") }
        guard (1...18).contains(digits.count), digits.allSatisfy({ (48...57).contains($0) }) else { return Int.max }
        return Int(String(decoding: digits, as: UTF8.self))!
    }

    static func strings(_ v: Any, numeric: Bool) throws -> [String] {
        guard let a = v as? [Any] else { throw WrongType() }
        return try a.map { e in
            if numeric {
                guard let n = e as? NSNumber else { throw WrongType() }
                return String(n.int64Value)
            }
            guard let s = e as? String else { throw WrongType() }
            return s
        }
    }

    /// Whether two raw JSON values are equal as parsed by Foundation.
    static func sameJSON(_ a: String, _ b: Any) -> Bool {
        guard let x = try? JSONSerialization.jsonObject(with: Data(a.utf8), options: [.fragmentsAllowed]) else { return false }
        return (x as? NSObject)?.isEqual(b) ?? false
    }
}
