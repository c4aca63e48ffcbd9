import FlowStore

/// The `flow` table's columns in SQLite.
typealias FlowColumns = FlowLayout

extension FlowLayout {
    static let insertSQL =
        "INSERT INTO flow (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ",")))"
}
