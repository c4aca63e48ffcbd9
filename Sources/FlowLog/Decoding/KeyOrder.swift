/// The member names of the lines a decoder read last, in order, so that the next line's names are checked, not
/// searched: Felix writes the members of every line in its struct's order, so the name at position k is almost
/// always the one the previous line had there. A name is kept as its exact bytes with the quotes and the colon
/// (`"source_ip":`): bytes equal to those are that name, whatever else the line holds, and a name written with
/// escapes or spaces simply misses and is read the long way (then its position keeps what was there).
///
/// Memory is allocated once per decoder (no array retains or exclusivity checks on the hot path); a decoder is
/// used by one thread at a time.
final class KeyOrder<Slot> {
    /// Positions remembered (a line with more names reads the rest the long way).
    static var positions: Int { 96 }
    /// Longest pattern kept, quotes and colon included (the longest Felix name is 33 bytes).
    static var width: Int { 48 }

    private let bytes: UnsafeMutablePointer<UInt8>
    private let lengths: UnsafeMutablePointer<Int>
    private let slots: UnsafeMutablePointer<Slot?>

    init() {
        bytes = .allocate(capacity: Self.positions * Self.width)
        bytes.initialize(repeating: 0, count: Self.positions * Self.width)
        lengths = .allocate(capacity: Self.positions)
        lengths.initialize(repeating: 0, count: Self.positions)
        slots = .allocate(capacity: Self.positions)
        slots.initialize(repeating: nil, count: Self.positions)
    }

    deinit {
        bytes.deallocate()
        lengths.deallocate()
        slots.deinitialize(count: Self.positions)
        slots.deallocate()
    }

    /// The slot of the name at position `k` when `p[0..<available]` starts with its pattern; the pattern's length
    /// goes to `length`.
    @inline(__always)
    func match(_ k: Int, _ p: UnsafePointer<UInt8>, _ available: Int, length: inout Int) -> Slot? {
        guard k < Self.positions else { return nil }
        let n = lengths[k]
        guard n > 0, n <= available else { return nil }
        let q = UnsafePointer(bytes + k * Self.width)
        // Eight bytes at a time, the last eight overlapping the ones before (nothing is read past the pattern's `n`
        // bytes, which `available` holds); a pattern shorter than eight bytes a byte at a time.
        if n >= 8 {
            var i = 0
            while i &+ 8 < n {
                if UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(q + i).loadUnaligned(as: UInt64.self) {
                    return nil
                }
                i &+= 8
            }
            if UnsafeRawPointer(p + n - 8).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(q + n - 8).loadUnaligned(as: UInt64.self) {
                return nil
            }
        } else {
            var i = 0
            while i < n {
                if p[i] != q[i] { return nil }
                i &+= 1
            }
        }
        length = n
        return slots[k]
    }

    /// Remembers `p[0..<n]` (a name's pattern) as position `k`'s.
    func remember(_ k: Int, _ p: UnsafePointer<UInt8>, _ n: Int, _ slot: Slot) {
        guard k < Self.positions, n <= Self.width else { return }
        (bytes + k * Self.width).update(from: p, count: n)
        lengths[k] = n
        slots[k] = slot
    }
}
