import FlowLog
import FlowStore
import GRDB

/// Reads stored flows back as ``FlowRecord``s (dictionaries joined back).
public enum RecordReader {
    /// The SELECT list, `f.id` first.
    public static let selectList = RecordColumns.selectList

    /// Decodes the current row of a statement selecting ``selectList`` (texts read whole, NULs included).
    static func record(_ row: RawStatement) -> (id: Int64, record: FlowRecord) {
        RecordColumns.record(text: row.text, int: row.int)
    }
}
