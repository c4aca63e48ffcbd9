/// Reuses the value of a list whose order means nothing (labels, domains, the hits of a policy list), whatever
/// order a line wrote it in: Felix builds these from Go maps, so one connection's lines carry the same set in a
/// different order each time, and a pool keyed by the list's bytes (``InternPool``) would miss on most of them.
///
/// A list is looked up by its elements: the hash of each element's bytes, sorted, picks a slot; the slot matches
/// when it holds the same hashes and, element by element, the same bytes. The value kept is the canonical list
/// (``CanonicalOrder``), one object for every order, so that the store's identity caches hit.
///
/// Direct-mapped (a new set replaces the old one in its slot: bounded without clearing); the elements of the list
/// being read are gathered in raw memory allocated once. A decoder uses it from one thread at a time.
final class SetPool {
    /// Elements of a list looked up at most (a longer list is decoded every time, and still canonical).
    static var capacity: Int { 64 }
    private static var size: Int { 1 << 12 }

    private struct Element {
        var hash: UInt64
        var start: UnsafePointer<UInt8>
        var length: Int
    }

    private struct Slot {
        var key: UInt64 = 0
        var hashes: [UInt64] = []
        var lengths: [Int] = []
        var bytes: [UInt8] = []
        var value: [String]? = nil
    }

    private let slots: UnsafeMutablePointer<Slot>
    private let elements: UnsafeMutablePointer<Element>
    private var count = 0
    private var key: UInt64 = 0

    init() {
        slots = .allocate(capacity: Self.size)
        slots.initialize(repeating: Slot(), count: Self.size)
        elements = .allocate(capacity: Self.capacity)
    }

    deinit {
        slots.deinitialize(count: Self.size)
        slots.deallocate()
        elements.deallocate()
    }

    /// Starts gathering the elements of a list.
    @inline(__always)
    func begin() { count = 0 }

    /// Adds an escape-free element; `false` once the list is longer than ``capacity``.
    @inline(__always)
    func add(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard count < Self.capacity else { return false }
        elements[count] = Element(hash: InternPool.hash(p, n), start: p, length: n)
        count &+= 1
        return true
    }

    /// The value of the gathered set, when a slot holds it.
    func lookup() -> [String]? {
        // Insertion sort by hash: lists are short (a handful of labels or hits).
        var i = 1
        while i < count {
            let e = elements[i]
            var j = i
            while j > 0 && elements[j - 1].hash > e.hash {
                elements[j] = elements[j - 1]
                j -= 1
            }
            elements[j] = e
            i += 1
        }
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        for k in 0..<count { h = (h ^ elements[k].hash) &* 0x100_0000_01b3; h ^= h >> 31 }
        key = h
        let slot = slots + (Int(truncatingIfNeeded: h) & (Self.size - 1))
        guard slot.pointee.key == h, let value = slot.pointee.value, slot.pointee.hashes.count == count else { return nil }
        let same = slot.pointee.hashes.withUnsafeBufferPointer { hashes in
            slot.pointee.lengths.withUnsafeBufferPointer { lengths in
                slot.pointee.bytes.withUnsafeBufferPointer { bytes in
                    var offset = 0
                    for k in 0..<count {
                        let e = elements[k]
                        guard hashes[k] == e.hash, lengths[k] == e.length,
                            e.length == 0 || memcmp(bytes.baseAddress! + offset, e.start, e.length) == 0
                        else { return false }
                        offset += e.length
                    }
                    return true
                }
            }
        }
        return same ? value : nil
    }

    /// Keeps `value` as the set gathered and looked up last.
    func store(_ value: [String]) {
        var s = Slot(key: key, value: value)
        s.hashes.reserveCapacity(count)
        s.lengths.reserveCapacity(count)
        for k in 0..<count {
            let e = elements[k]
            s.hashes.append(e.hash)
            s.lengths.append(e.length)
            s.bytes.append(contentsOf: UnsafeBufferPointer(start: e.start, count: e.length))
        }
        slots[Int(truncatingIfNeeded: key) & (Self.size - 1)] = s
    }
}
