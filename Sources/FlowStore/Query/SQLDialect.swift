import FlowLog
import FlowQuery

/// What a SQL engine writes its own way when a ``Filter`` is compiled (``FilterSQL``): literals, how a JSON array
/// becomes rows, the conditions on a value and the values they bind. Everything else (which dictionary a field
/// lives in, how a connection-level condition reaches the lines) is the same for every engine.
public protocol SQLDialect {
    /// A value bound to a placeholder (`?`) of the text.
    associatedtype Value

    /// The literal that is always true (`1`, `TRUE`).
    static var trueSQL: String { get }
    /// The literal that is always false.
    static var falseSQL: String { get }

    /// A table expression giving each element of the JSON array `array` as one row, its text as `j.value`.
    static func elements(of array: String) -> String
    /// That table joined after a FROM clause that names `array`'s row (a lateral join).
    static func joinElements(of array: String) -> String
    /// The joins after `policy_trace t` giving the hits of one of its lists, one row each (`j.value`).
    static func hitJoins(_ list: TraceList) -> String
    /// The text of a line's extra field `key` (`f.extra` holds them as JSON), binding what it needs.
    static func extra(_ key: String, _ bindings: inout [Value]) -> String

    /// The condition that value expression `x` (of field `f`) passes `t`; `x` comes first in the text, before any
    /// placeholder of the condition.
    static func condition(_ f: Field, _ x: String, _ t: ValueTest, _ bindings: inout [Value]) -> String

    /// Free text: any of `tests`. By default each is compiled on its own; a dialect may group them.
    static func freeText(_ tests: [FieldTest], _ compiler: inout FilterSQL<Self>) -> String
}

extension SQLDialect {
    public static func freeText(_ tests: [FieldTest], _ compiler: inout FilterSQL<Self>) -> String {
        let parts = tests.map { compiler.test($0.field, $0.test) }
        return parts.isEmpty ? falseSQL : "(" + parts.joined(separator: " OR ") + ")"
    }
}

extension Side {
    /// The `conn` column referencing the endpoint dictionary.
    public var column: String { self == .source ? "src_ep" : "dst_ep" }
}
