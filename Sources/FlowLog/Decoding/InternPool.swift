/// Reuses the values of repeated byte sequences while decoding: flow metadata repeats (a few hundred label
/// sets, policy traces and names across millions of lines), so most strings and lists of a line were seen
/// before. A hit costs a hash and a `memcmp` instead of allocations.
///
/// Each kind of value has a direct-mapped table (the slot is the hash modulo the size; a new value replaces
/// the old one in its slot): bounded without ever clearing, no SipHash, and values that are seen once
/// (pod names, unique process arguments) only cost their own slot.
final class InternPool {
    private struct Slot<Value> {
        var hash: UInt64 = 0
        var bytes: [UInt8] = []
        var value: Value?
    }

    // Sizes bound the memory whatever the input: 16,384 names; 4,096 label sets and lists, and 4,096 policy
    // traces (each up to a few KB), where a cluster has hundreds.
    private var strings = [Slot<String>](repeating: Slot(), count: 1 << 14)
    private var lists = [Slot<[String]>](repeating: Slot(), count: 1 << 12)
    private var policies = [Slot<PolicyLists>](repeating: Slot(), count: 1 << 12)

    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = 0
        // 8 bytes at a time; the tail of a text of eight bytes or more as its last eight (overlapping the word
        // before: the same bytes always hash alike, and nothing past them is read), of a shorter one byte by byte.
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0x100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        if i < n && n >= 8 {
            let w = UnsafeRawPointer(p + n - 8).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0x100_0000_01b3
            h ^= h >> 29
        } else {
            while i < n {
                h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3
                i += 1
            }
        }
        h ^= UInt64(n)
        return h ^ (h >> 32)
    }

    @inline(__always)
    private static func same(_ bytes: [UInt8], _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        bytes.count == n && bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, p, n) == 0 }
    }

    @inline(__always)
    private static func lookup<Value>(
        _ table: inout [Slot<Value>], _ p: UnsafePointer<UInt8>, _ n: Int, make: () throws(DecodeError) -> Value?
    ) throws(DecodeError) -> Value? {
        let h = hash(p, n)
        let i = Int(truncatingIfNeeded: h) & (table.count - 1)
        if table[i].hash == h, let v = table[i].value, same(table[i].bytes, p, n) { return v }
        guard let v = try make() else { return nil }
        table[i] = Slot(hash: h, bytes: Array(UnsafeBufferPointer(start: p, count: n)), value: v)
        return v
    }

    /// A text of at most 15 bytes keyed by those bytes themselves: two words, zero-padded, the length in the last
    /// byte (so that no two texts share a key, and the empty text is the empty slot's).
    private struct SmallSlot {
        var key: (UInt64, UInt64) = (0, 0)
        var value = ""
    }

    /// Texts of at most 15 bytes live inside their `String` (no object to share), so they were made anew for every
    /// value, each validated as UTF-8: about 150 instructions, fifteen times a line (protocols, actions, IPs,
    /// namespaces). A direct-mapped table of them returns one with two compares.
    private var small = [SmallSlot](repeating: SmallSlot(), count: 1 << 12)

    @inline(__always)
    private func smallString(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        var key: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &key) { k in
            k.baseAddress!.copyMemory(from: p, byteCount: n)
            k[15] = UInt8(truncatingIfNeeded: n)
        }
        let h = (key.0 &* 0x9E37_79B9_7F4A_7C15) ^ (key.1 &* 0xC2B2_AE3D_27D4_EB4F)
        let i = Int(truncatingIfNeeded: h >> 52)  // the top 12 bits: 4,096 slots
        if small[i].key == key { return small[i].value }
        let value = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        small[i] = SmallSlot(key: key, value: value)
        return value
    }

    /// The interned string for plain (escape-free, ASCII) bytes.
    func string(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        if n <= 15 { return smallString(p, n) }
        let make = { () throws(DecodeError) -> String? in String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self) }
        // `make` never throws or returns nil here.
        return (try? Self.lookup(&strings, p, n, make: make)).flatMap { $0 } ?? ""
    }

    /// One instance per canonical value (see ``CanonicalOrder``): the same set logged in different orders has
    /// different bytes, hence different slots above, but decodes to the same object, so that the store's
    /// identity caches (by object address) hit for every order. Filled on misses only; emptied when full.
    private var sharedLists: [[String]: [String]] = [:]
    private var sharedPolicies: [PolicyLists: PolicyLists] = [:]

    func shared(_ list: [String]) -> [String] {
        if let s = sharedLists[list] { return s }
        if sharedLists.count >= 4096 { sharedLists.removeAll() }
        sharedLists[list] = list
        return list
    }

    func shared(_ p: PolicyLists) -> PolicyLists {
        if let s = sharedPolicies[p] { return s }
        if sharedPolicies.count >= 4096 { sharedPolicies.removeAll() }
        sharedPolicies[p] = p
        return p
    }

    func list(_ p: UnsafePointer<UInt8>, _ n: Int, make: () throws(DecodeError) -> [String]?) throws(DecodeError) -> [String]? {
        try Self.lookup(&lists, p, n, make: make)
    }

    func policyLists(_ p: UnsafePointer<UInt8>, _ n: Int, make: () throws(DecodeError) -> PolicyLists?) throws(DecodeError) -> PolicyLists? {
        try Self.lookup(&policies, p, n, make: make)
    }
}

/// The C library's `memcmp` (FlowLog imports no platform module).
@_silgen_name("memcmp")
func memcmp(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Int32
