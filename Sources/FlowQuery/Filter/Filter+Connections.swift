/// A predicate as its connection-level conjuncts and the rest: what lets a store find the connections a query can
/// match first, then read only their lines.
extension Filter {
    /// The predicate as `connections AND lines`: the conjuncts that are connection-level
    /// (``isConnectionLevel``) and the others (`nil` when there are none). `nil` when no conjunct narrows the
    /// connections (none is connection-level, or the only one is ``always``).
    public var connectionSplit: (connections: Filter, lines: Filter?)? {
        let items = conjuncts
        let connections = items.filter { $0.isConnectionLevel && $0 != .always }
        guard !connections.isEmpty else { return nil }
        let lines = items.filter { !$0.isConnectionLevel }
        return (Self.all(connections), lines.isEmpty ? nil : Self.all(lines))
    }

    /// The operands of nested `.and`s, flattened; the predicate itself when it is not one.
    var conjuncts: [Filter] {
        if case .and(let items) = self { return items.flatMap(\.conjuncts) }
        return [self]
    }

    private static func all(_ items: [Filter]) -> Filter { items.count == 1 ? items[0] : .and(items) }
}
