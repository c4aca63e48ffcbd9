import FlowLog
import Synchronization

/// Line decoders kept from one request to the next. A decoder's intern pool hands out the same string and list
/// objects for the same values, so the writer's identity cache (`ConnCache`) hits for the lines of connections that
/// earlier bodies brought, and no request pays for a new pool (about a megabyte to set up). A decoder serves one
/// thread at a time: taken, used, given back.
final class DecoderPool: Sendable {
    static let shared = DecoderPool()
    /// Decoders kept idle at most (one per core is what is used).
    static let kept = 16

    private final class Box: @unchecked Sendable {
        let decoder = FlowLineDecoder()
    }

    private let idle = Mutex<[Box]>([])

    /// Runs `body` with a decoder no other thread uses meanwhile.
    func with<T>(_ body: (FlowLineDecoder) throws -> T) rethrows -> T {
        let box = idle.withLock { $0.popLast() } ?? Box()
        defer { idle.withLock { if $0.count < Self.kept { $0.append(box) } } }
        return try body(box.decoder)
    }
}
