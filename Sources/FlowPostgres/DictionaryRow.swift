/// A row of a dictionary table (`endpoint`, `conn`, `label_set`…) by its identity: the `key` it is unique by (the JSON
/// array of its values), and the values of its columns with the casts their placeholders take.
struct DictionaryRow {
    let table: String
    let key: String
    let columns: [String]
    let values: [PostgresValue]
    let casts: [String]

    init(_ table: String, key: String, _ columns: [String], _ values: [PostgresValue], casts: [String]? = nil) {
        self.table = table
        self.key = key
        self.columns = columns
        self.values = values
        self.casts = casts ?? columns.map { _ in "text" }
    }

    /// The row's entry in the dictionaries' cache.
    var cacheKey: String { Self.cacheKey(table, key) }

    /// The cache entry of the row of `table` with `key`.
    static func cacheKey(_ table: String, _ key: String) -> String { table + "\u{1}" + key }
}
