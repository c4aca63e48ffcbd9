import FlowLog
import Foundation

/// Conn ids by the identity of a record's connection fields: the fast path of every stored line.
///
/// The identity is the raw bits of the fields that decide the `conn` row: the 16 bytes of each text value (an
/// inline small string, or a pointer to an interned one), the storage addresses of the label and policy lists,
/// the ports and the host id. The decoder hands out the same string and array objects for the same bytes, so
/// the lines of one connection have identical bits: a hit skips the endpoint, service, trace and conn
/// dictionaries (SipHash over a dozen strings and their retains). Equal bits imply equal values as long as the
/// objects are alive, which the cache guarantees by keeping, for each slot, the objects its identity was read from
/// (an address cannot be reused while cached): the 13 texts and the three lists, not the whole record, whose
/// per-line values (addresses, process names, arguments) would otherwise stay alive in every slot. Different
/// objects with equal values only miss and take the full path.
///
/// Direct-mapped (the slot is the hash modulo the size), and kept in raw memory: computing and comparing an
/// identity copies nothing and touches no reference count.
public final class ConnCache {
    private static let texts: [TextKey] = [
        .host, .sourceType, .sourceNamespace, .sourceNameAggr, .destType, .destNamespace, .destNameAggr,
        .destServiceNamespace, .destServiceName, .destServicePort, .proto, .reporter, .action,
    ]
    private static let width = 37
    private static let size = 16384

    private let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: ConnCache.size * ConnCache.width)
    private let hashes = UnsafeMutablePointer<UInt64>.allocate(capacity: ConnCache.size)
    private var conns = [Int64](repeating: -1, count: ConnCache.size)
    private var anchors = [Anchor?](repeating: nil, count: ConnCache.size)
    /// The identity of the record last passed to ``lookup(_:hostID:ignoreLineHost:)``.
    private let current = UnsafeMutablePointer<UInt64>.allocate(capacity: ConnCache.width)
    /// The hash of the identity computed by the last lookup (what tells a batch's connections apart before their
    /// ids are known: equal identities hash alike).
    public private(set) var currentHash: UInt64 = 0
    private let sourceLabelsOffset = MemoryLayout<FlowRecord>.offset(of: \.sourceLabels)!
    private let destLabelsOffset = MemoryLayout<FlowRecord>.offset(of: \.destLabels)!
    private let policiesOffset = MemoryLayout<FlowRecord>.offset(of: \.policies)!

    public init() {
        keys.initialize(repeating: 0, count: Self.size * Self.width)
        hashes.initialize(repeating: 0, count: Self.size)
        current.initialize(repeating: 0, count: Self.width)
    }

    deinit {
        keys.deallocate()
        hashes.deallocate()
        current.deallocate()
    }

    /// Computes the identity of `r` and returns its cached conn id, if any. A miss is followed by
    /// ``remember(conn:record:)`` once the id is known.
    @inline(__always)
    public func lookup(_ r: UnsafePointer<FlowRecord>, hostID: Int64?, ignoreLineHost: Bool) -> Int64? {
        let w = current
        r.pointee.texts.withUnsafeBytes { raw in
            var i = 0
            for k in Self.texts {
                if k == .host && ignoreLineHost {
                    w[i] = 0
                    w[i + 1] = 0
                } else {
                    w[i] = raw.load(fromByteOffset: k.rawValue * 16, as: UInt64.self)
                    w[i + 1] = raw.load(fromByteOffset: k.rawValue * 16 + 8, as: UInt64.self)
                }
                i += 2
            }
        }
        // The label and policy lists, read in place (their storage addresses).
        let raw = UnsafeRawPointer(r)
        w[26] = raw.load(fromByteOffset: sourceLabelsOffset, as: UInt64.self)
        w[27] = raw.load(fromByteOffset: destLabelsOffset, as: UInt64.self)
        for j in 0..<4 { w[28 + j] = raw.load(fromByteOffset: policiesOffset + j * 8, as: UInt64.self) }
        let port = r.pointee[.destPort]
        w[32] = UInt64(bitPattern: port ?? 0)
        w[33] = port == nil ? 1 : 0
        let serviceNum = r.pointee[.destServicePortNum]
        w[34] = UInt64(bitPattern: serviceNum ?? 0)
        w[35] = serviceNum == nil ? 1 : 0
        w[36] = UInt64(bitPattern: hostID ?? -1)
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for j in 0..<Self.width {
            h = (h ^ w[j]) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
        }
        currentHash = h
        let slot = Int(truncatingIfNeeded: h) & (Self.size - 1)
        let conn = conns[slot]
        guard conn >= 0, hashes[slot] == h, memcmp(keys + slot * Self.width, w, Self.width * 8) == 0 else { return nil }
        return conn
    }


    /// Caches `conn` for the identity computed by the last lookup, keeping alive the objects of `record` that
    /// identity was read from.
    public func remember(conn: Int64, record: FlowRecord) {
        let slot = Int(truncatingIfNeeded: currentHash) & (Self.size - 1)
        (keys + slot * Self.width).update(from: current, count: Self.width)
        hashes[slot] = currentHash
        conns[slot] = conn
        anchors[slot] = Anchor(record)
    }

    /// Forgets every identity (ids made in a transaction that rolled back).
    public func removeAll() {
        for i in conns.indices {
            conns[i] = -1
            anchors[i] = nil
        }
    }
}

extension ConnCache {
    /// The objects a cached identity's bits point into: the connection texts and the label and policy lists.
    private struct Anchor {
        var texts: InlineArray<13, String?>
        var sourceLabels: [String]?
        var destLabels: [String]?
        var policies: PolicyLists?

        init(_ r: FlowRecord) {
            texts = InlineArray { i in r[ConnCache.texts[i]] }
            sourceLabels = r.sourceLabels
            destLabels = r.destLabels
            policies = r.policies
        }
    }
}
