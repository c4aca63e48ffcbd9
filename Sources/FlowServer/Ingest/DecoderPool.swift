import FlowIngest
import FlowLog
import Synchronization

/// Decoders kept from one request to the next. A decoder's intern pool hands out the same string and list objects
/// for the same values, so the writer's identity cache (`ConnCache`) hits for the lines of connections that earlier
/// bodies brought, and no request pays for a new pool (about a megabyte to set up). A decoder serves one thread at
/// a time: taken, used, given back.
final class DecoderPool<Decoder>: Sendable {
    /// Decoders kept idle at most (one per core is what is used).
    static var kept: Int { 16 }

    private final class Box: @unchecked Sendable {
        let decoder: Decoder
        init(_ decoder: Decoder) { self.decoder = decoder }
    }

    private let make: @Sendable () -> Decoder
    private let idle = Mutex<[Box]>([])

    init(_ make: @escaping @Sendable () -> Decoder) { self.make = make }

    /// Runs `body` with a decoder no other thread uses meanwhile.
    func with<T>(_ body: (Decoder) throws -> T) rethrows -> T {
        let box = idle.withLock { $0.popLast() } ?? Box(make())
        defer { idle.withLock { if $0.count < Self.kept { $0.append(box) } } }
        return try body(box.decoder)
    }
}

/// The server's decoders: Felix lines (agents' batches) and Goldmane flows (the emitter's bodies), and the records
/// of stored batches and parts, decoded into again (``RecordRecycler``: a new record costs allocations and a copy
/// of its empty slots, its release a pass of value witnesses).
enum Decoders {
    static let lines = DecoderPool { FlowLineDecoder() }
    static let goldmane = DecoderPool { GoldmaneFlowDecoder() }
    /// Four batches kept at most: two decoding and two storing is what two cores keep busy.
    static let records = RecordRecycler(batches: 4)
}
