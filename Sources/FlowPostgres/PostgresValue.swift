/// A bound value of a PostgreSQL query.
enum PostgresValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int64)
    case real(Double)
    case text(String)
    case null

    var description: String {
        switch self {
        case .int(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s): return "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        case .null: return "NULL"
        }
    }
}

/// SQL text with `$n` placeholders and their values.
struct PostgresFragment: Sendable {
    var sql: String
    var bindings: [PostgresValue]
}
