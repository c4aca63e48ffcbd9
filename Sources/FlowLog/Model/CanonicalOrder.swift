/// The order-free form of the lists Felix builds from Go maps.
///
/// Felix writes the hits of a policy list, the `dest_domains` and the labels of an endpoint in whatever order its
/// map iteration gives, so two lines of one connection carry the same set in different orders. flowq identifies,
/// stores and prints each such list in one canonical order: policy hits by their index (the number before the
/// first `|`; ties, and malformed hits without an index, after by their raw text), domains and labels by their
/// text. The values themselves are kept byte for byte: only their order changes.
public enum CanonicalOrder {
    /// The hits of a policy list in index order.
    public static func hits(_ list: [String]) -> [String] {
        if isSorted(list, by: hitPrecedes) { return list }
        return list.map { (index(of: $0), $0) }
            .sorted { a, b in a.0 != b.0 ? a.0 < b.0 : a.1 < b.1 }
            .map(\.1)
    }

    /// A set-like list (domains, labels) in text order.
    public static func set(_ list: [String]) -> [String] {
        if isSorted(list, by: <) { return list }
        return list.sorted()
    }

    /// The leading index of a hit (`3|tier|name|allow|0` → 3); hits without one sort last.
    static func index(of hit: String) -> Int {
        var n = 0
        var digits = 0
        for b in hit.utf8 {
            if b == UInt8(ascii: "|") { break }
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9"), digits < 18 else { return Int.max }
            n = n * 10 + Int(b - UInt8(ascii: "0"))
            digits += 1
        }
        return digits == 0 ? Int.max : n
    }

    private static func hitPrecedes(_ a: String, _ b: String) -> Bool {
        let ia = index(of: a), ib = index(of: b)
        return ia != ib ? ia < ib : a < b
    }

    private static func isSorted(_ list: [String], by precedes: (String, String) -> Bool) -> Bool {
        var i = 1
        while i < list.count {
            if precedes(list[i], list[i - 1]) { return false }
            i += 1
        }
        return true
    }
}

extension PolicyLists {
    /// Every list in index order (see ``CanonicalOrder``).
    public var canonical: PolicyLists {
        PolicyLists(
            all: all.map(CanonicalOrder.hits), enforced: enforced.map(CanonicalOrder.hits),
            pending: pending.map(CanonicalOrder.hits), transit: transit.map(CanonicalOrder.hits))
    }
}
