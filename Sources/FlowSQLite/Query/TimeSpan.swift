/// Time conditions on `flow f` turned into a range of flow ids through `flow_span` (one row per stored batch
/// with the bounds of its start and end times): a block-range index in place of an index on every line.
///
/// `timeCondition` keeps the exact condition and adds `f.id BETWEEN lo AND hi`, where `lo` and `hi` are the
/// smallest first id and the largest last id of the spans that can hold a matching line. Every matching line
/// lies in such a span, so the result is the same wherever the condition sits in a query; at the top level SQLite
/// reads only that range of rowids. No span can match: the range is empty.
public enum TimeSpan {
    /// A flow time column with span bounds.
    public enum Column: String, Sendable {
        case start = "start_time", end = "end_time"

        /// The suffix of this column's bounds in `flow_span` (`min_start`, `max_start`, …).
        public var spanSuffix: String { self == .start ? "start" : "end" }

        /// The column of a compiled value expression (`f.start_time`, `f.end_time`), if it is one.
        public init?(expression: String) {
            switch expression {
            case "f.start_time": self = .start
            case "f.end_time": self = .end
            default: return nil
            }
        }
    }

    /// A comparison of `f.<column>` with one value (`>`, `>=`, `<`, `<=`).
    public static func condition(_ column: Column, _ op: String, _ value: Int64) -> SQLFragment {
        let c = column.spanSuffix
        let span: String
        switch op {
        case ">", ">=": span = "max_\(c) \(op) ?"
        default: span = "min_\(c) \(op) ?"
        }
        return SQLFragment("f.\(column.rawValue) \(op) ? AND " + idRange(span), [.int(value)] + Array(repeating: .int(value), count: 2))
    }

    /// `f.<column> BETWEEN lo AND hi`.
    public static func between(_ column: Column, _ lo: Int64, _ hi: Int64) -> SQLFragment {
        let c = column.spanSuffix
        return SQLFragment(
            "f.\(column.rawValue) BETWEEN ? AND ? AND " + idRange("max_\(c) >= ? AND min_\(c) <= ?"),
            [.int(lo), .int(hi), .int(lo), .int(hi), .int(lo), .int(hi)])
    }

    private static func idRange(_ spanCondition: String) -> String {
        "f.id BETWEEN (SELECT ifnull(min(first_id), 1) FROM flow_span WHERE \(spanCondition)) "
            + "AND (SELECT ifnull(max(last_id), 0) FROM flow_span WHERE \(spanCondition))"
    }
}
