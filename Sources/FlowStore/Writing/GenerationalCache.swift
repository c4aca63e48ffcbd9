/// A bounded map that keeps what is used: two generations of at most `limit` entries each. A full young generation
/// becomes the old one (the previous old one is dropped); a hit in the old generation moves the entry back to the
/// young one. Memory stays under two generations whatever the number of distinct keys, and a working set smaller
/// than `limit` keeps hitting: emptying one full map at once (as before) made every lookup miss after each clear,
/// so a store with 100,000 connections a day fell back to the database for each line.
///
/// Its members are `@inlinable` so that the stores specialize them for their keys and values: called across modules
/// unspecialized, a lookup of `AddressCache` cost about 1,300 instructions of metadata and witness calls (once or
/// twice a line of ingest).
public struct GenerationalCache<Key: Hashable, Value> {
    @usableFromInline var young: [Key: Value] = [:]
    @usableFromInline var old: [Key: Value] = [:]
    /// Entries per generation.
    public var limit: Int

    /// An empty cache of at most `limit` entries per generation.
    @inlinable
    public init(limit: Int) { self.limit = limit }

    /// The cached value, promoted to the young generation when found in the old one.
    @inlinable
    public mutating func get(_ key: Key) -> Value? {
        if let v = young[key] { return v }
        guard let v = old[key] else { return nil }
        set(key, v)
        return v
    }

    /// Caches `value` under `key` in the young generation.
    @inlinable
    public mutating func set(_ key: Key, _ value: Value) {
        if young.count >= limit {
            old = young
            young = [:]
            young.reserveCapacity(limit)
        }
        young[key] = value
    }

    /// Drops `key` from both generations.
    @inlinable
    public mutating func remove(_ key: Key) {
        young[key] = nil
        old[key] = nil
    }

    /// Drops everything.
    @inlinable
    public mutating func removeAll() {
        young.removeAll()
        old.removeAll()
    }
}
