/// Reuses the values of repeated byte sequences while decoding: flow metadata repeats (a few hundred label
/// sets, policy traces and names across millions of lines), so most strings and lists of a line were seen
/// before. A hit costs a hash and a `memcmp` instead of allocations. Bounded: cleared when full.
final class InternPool {
    private struct Entry<Value> {
        var bytes: [UInt8]
        var value: Value
    }

    private var strings: [UInt64: Entry<String>] = [:]
    private var lists: [UInt64: Entry<[String]>] = [:]
    private var policies: [UInt64: Entry<PolicyLists>] = [:]
    private let capacity = 1 << 16

    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = 0
        // 8 bytes at a time, then the tail.
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0x100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        while i < n {
            h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3
            i += 1
        }
        return h ^ UInt64(n)
    }

    @inline(__always)
    private static func same(_ bytes: [UInt8], _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        bytes.count == n && bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, p, n) == 0 }
    }

    /// The interned string for plain (escape-free, ASCII) bytes.
    func string(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        if n <= 15 { return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self) }  // small: inline
        let h = Self.hash(p, n)
        if let e = strings[h], Self.same(e.bytes, p, n) { return e.value }
        let s = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        if strings.count >= capacity { strings.removeAll(keepingCapacity: true) }
        strings[h] = Entry(bytes: Array(UnsafeBufferPointer(start: p, count: n)), value: s)
        return s
    }

    func list(_ p: UnsafePointer<UInt8>, _ n: Int, make: () throws(DecodeError) -> [String]?) throws(DecodeError) -> [String]? {
        let h = Self.hash(p, n)
        if let e = lists[h], Self.same(e.bytes, p, n) { return e.value }
        guard let v = try make() else { return nil }
        if lists.count >= capacity { lists.removeAll(keepingCapacity: true) }
        lists[h] = Entry(bytes: Array(UnsafeBufferPointer(start: p, count: n)), value: v)
        return v
    }

    func policyLists(_ p: UnsafePointer<UInt8>, _ n: Int, make: () throws(DecodeError) -> PolicyLists?) throws(DecodeError) -> PolicyLists? {
        let h = Self.hash(p, n)
        if let e = policies[h], Self.same(e.bytes, p, n) { return e.value }
        guard let v = try make() else { return nil }
        if policies.count >= capacity { policies.removeAll(keepingCapacity: true) }
        policies[h] = Entry(bytes: Array(UnsafeBufferPointer(start: p, count: n)), value: v)
        return v
    }
}

@_silgen_name("memcmp")
private func memcmp(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Int32
