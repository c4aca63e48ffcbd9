import FlowLog

/// Dictionary ids of values found by where their storage is: the decoder hands out the same array for the same
/// bytes, so a hit costs an address and one comparison instead of hashing every string. Safe because an entry keeps
/// its value alive (the address cannot be reused while cached) and the value is compared before its id is used.
/// `@inlinable`, as ``GenerationalCache`` is, to be specialized where it is used.
public struct AddressCache<Value: Equatable> {
    @usableFromInline var entries: GenerationalCache<Int, (Value, Int64)>

    /// Entries per generation (see ``GenerationalCache``).
    @inlinable
    public var limit: Int {
        get { entries.limit }
        set { entries.limit = newValue }
    }

    /// An empty cache of at most `limit` entries per generation.
    @inlinable
    public init(limit: Int) { entries = GenerationalCache(limit: limit) }

    /// The id cached for `value` stored at `address`.
    @inlinable
    public mutating func get(_ value: Value, at address: Int) -> Int64? {
        guard let (cached, id) = entries.get(address), cached == value else { return nil }
        return id
    }

    /// Caches `id` for `value`, stored at `address`, keeping `value` alive.
    @inlinable
    public mutating func set(_ value: Value, _ id: Int64, at address: Int) { entries.set(address, (value, id)) }

    /// Drops everything.
    @inlinable
    public mutating func removeAll() { entries.removeAll() }
}

extension Array {
    /// Where the elements are stored: the identity of this array's buffer (shared by its copies).
    @inline(__always)
    public var storageAddress: Int { withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } }
}

extension PolicyLists {
    /// Where a trace's four lists are stored, combined: the decoder hands out the same lists for the same hits, so
    /// this identifies a trace as ``Swift/Array/storageAddress`` identifies a list (an ``AddressCache`` compares the
    /// value before it trusts it).
    @inline(__always)
    public var storageAddress: Int {
        var h = 0
        for list in [all, enforced, pending, transit] {
            h = h &* 31 &+ (list.map(\.storageAddress) ?? 1)
        }
        return h
    }
}
