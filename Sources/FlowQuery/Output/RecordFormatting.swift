import FlowLog
import Foundation

/// Field values of a record as display text.
public enum RecordFormatting {
    /// The value of a catalogue field in a record, as text (lists as JSON), or nil.
    public static func value(_ r: FlowRecord, _ f: Field, humanTime: Bool) -> String? {
        switch f.name {
        case "source_labels.labels": return r.sourceLabels.map { JSONText.array($0, numeric: false) }
        case "dest_labels.labels": return r.destLabels.map { JSONText.array($0, numeric: false) }
        case "@timestamp":
            let ms = r[.timestamp] ?? r[.endTime].map { $0 * 1000 }
            return ms.map { humanTime ? iso($0 / 1000) : String($0) }
        default: break
        }
        if case .policies(let list) = f.storage {
            let items = list == .all ? r.policies.map(\.allView) : r.policies?[list]
            return items.map { JSONText.array($0, numeric: false) }
        }
        if let k = TextKey.allCases.first(where: { $0.jsonKey == f.name }) { return r[k] }
        if let k = IntKey.allCases.first(where: { $0.jsonKey == f.name }) {
            guard let v = r[k] else { return nil }
            return humanTime && f.type == .date ? iso(v) : String(v)
        }
        if let k = ListKey.allCases.first(where: { $0.jsonKey == f.name }) {
            return r[k].map { JSONText.array($0, numeric: k.isNumeric) }
        }
        if case .extra(let key) = f.storage { return r.extra.first { $0.key == key }?.rawJSON }
        return nil
    }

    public static func iso(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }

    /// The record as a JSON object of the chosen fields (raw JSON values).
    public static func jsonObject(_ r: FlowRecord, fields: [Field]) -> String {
        var out = "{"
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "," }
            out += JSONText.string(f.name) + ":"
            guard let v = value(r, f, humanTime: false) else {
                out += "null"
                continue
            }
            switch f.type {
            case .number, .date: out += v
            case .labels, .policyList, .stringList, .numberList, .ipList: out += v
            default:
                if case .extra = f.storage { out += v } else { out += JSONText.string(v) }
            }
        }
        return out + "}"
    }

    /// One NDJSON line: the whole record as Felix writes it, or only the chosen fields.
    public static func ndjsonLine(_ r: FlowRecord, fields: [Field]?, encoder: FlowLineEncoder) -> String {
        fields.map { jsonObject(r, fields: $0) } ?? encoder.encode(r)
    }

    public static func csvCell(_ s: String?) -> String {
        guard let s else { return "" }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// A plain-text table that fits `width` columns: wide columns are cut with `…`.
    public static func table(header: [String], rows: [[String]], width: Int) -> [String] {
        var widths = header.map(\.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        let gap = 2
        var total = widths.reduce(0, +) + gap * (widths.count - 1)
        while total > width, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 8 {
            widths[widest] -= 1
            total -= 1
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let cut = c.count > widths[i] ? String(c.prefix(widths[i] - 1)) + "…" : c
                return i == cells.count - 1 ? cut : cut.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: String(repeating: " ", count: gap))
        }
        return [line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
    }
}
