/// Maps JSON member names to values without allocating a String or hashing with SipHash: a decoder looks up every
/// member name of every line (~60 a Felix line), so an open-addressing table indexed by length and two bytes, then
/// one `memcmp`. The table and the name bytes live in memory allocated once for the process (no array retains or
/// bounds checks on the hot path). Names with escapes are decoded first and found in ``byText``.
final class ByteKeyTable<Value: Sendable>: Sendable {
    private struct Entry {
        var offset: Int32
        var length: Int32  // 0: empty
        var value: Value?
    }

    /// The same map, by decoded name.
    let byText: [String: Value]
    nonisolated(unsafe) private let table: UnsafeMutablePointer<Entry>
    nonisolated(unsafe) private let nameBytes: UnsafeMutablePointer<UInt8>
    private static var size: Int { 512 }

    /// A table of these names (at most a quarter of the table's 512 slots, so that probes stay short).
    init(_ names: [(String, Value)]) {
        precondition(names.count <= Self.size / 4, "too many names for a ByteKeyTable")
        byText = Dictionary(names, uniquingKeysWith: { _, last in last })
        nameBytes = .allocate(capacity: max(1, byText.keys.reduce(0) { $0 + $1.utf8.count }))
        table = .allocate(capacity: Self.size)
        table.initialize(repeating: Entry(offset: 0, length: 0, value: nil), count: Self.size)
        var offset = 0
        for (name, value) in byText.sorted(by: { $0.key < $1.key }) {
            let bytes = Array(name.utf8)
            for (i, b) in bytes.enumerated() { nameBytes[offset + i] = b }
            var i = Self.index(bytes.count, bytes[bytes.count / 2], bytes[bytes.count - 1])
            while table[i].length != 0 { i = (i + 1) & (Self.size - 1) }
            table[i] = Entry(offset: Int32(offset), length: Int32(bytes.count), value: value)
            offset += bytes.count
        }
    }

    @inline(__always)
    private static func index(_ n: Int, _ mid: UInt8, _ last: UInt8) -> Int {
        (n &* 37 &+ Int(mid) &* 11 &+ Int(last)) & (size - 1)
    }

    /// The value of the name whose bytes are `p[0..<n]`.
    @inline(__always)
    func lookup(_ p: UnsafePointer<UInt8>, _ n: Int) -> Value? {
        guard n > 0 else { return nil }
        var i = Self.index(n, p[n / 2], p[n - 1])
        while true {
            let e = table[i]
            if e.length == 0 { return nil }
            if Int(e.length) == n && memcmp(nameBytes + Int(e.offset), p, n) == 0 { return e.value }
            i = (i &+ 1) & (Self.size - 1)
        }
    }
}
