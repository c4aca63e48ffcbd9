import CIsal

/// Decompresses a gzip file, every member of it (`cat a.gz b.gz` is one valid file).
///
/// Intel's ISA-L (`isal_inflate`, Debian's libisal) rather than zlib: it inflates flow logs about three times as fast
/// (zlib took about 6 s of CPU for the 1.8 GB of a million lines, a third of a gz ingest), and it streams, which
/// libdeflate does not (a rotated file is one member of up to gigabytes). Not compress-nio: that package stops at the
/// first member (see swift-stack.md §2.4). Every member's header, CRC-32 and length are checked.
public final class GzipSource: ByteSource {
    public let file: RawFile
    private let state: UnsafeMutablePointer<inflate_state>
    private let input: UnsafeMutablePointer<UInt8>
    private static var inputSize: Int { 256 * 1024 }
    /// Bytes kept before each new read of the file: should ISA-L end a member with the next one's first bytes in its
    /// bit buffer (at most 8; version 2.30 hands them back itself, its next input just after the trailer), they are
    /// handed back from here even across a read.
    private static var keep: Int { 16 }
    /// Just after the last byte read from the file.
    private var end: UnsafeMutablePointer<UInt8>
    private var finished = false
    /// Whether the last member ended cleanly (its trailer checked) with no bytes after it yet.
    private var atMemberBoundary = true

    init(_ file: RawFile) throws(IngestError) {
        self.file = file
        input = .allocate(capacity: Self.keep + Self.inputSize)
        input.initialize(repeating: 0, count: Self.keep)
        end = input + Self.keep
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
        state.pointee.avail_in = 0
    }

    public func read(into buffer: inout [UInt8], max: Int) throws(IngestError) {
        if buffer.count != max { buffer = .unfilled(max) }
        var produced = 0
        while produced == 0 && !finished {
            if state.pointee.avail_in == 0 {
                // The stream's last `keep` bytes so far go just before the new ones.
                input.update(from: end - Self.keep, count: Self.keep)
                let n = try file.readRaw(input + Self.keep, Self.inputSize)
                if n == 0 {
                    finished = true
                    if !atMemberBoundary {
                        throw IngestError(
                            .truncatedCompressed, "\(file.path) is cut short: the gzip stream ends mid-member",
                            path: file.path)
                    }
                    break
                }
                state.pointee.next_in = input + Self.keep
                state.pointee.avail_in = UInt32(n)
                end = input + Self.keep + n
            }
            let rc: Int32 = buffer.withUnsafeMutableBufferPointer { out in
                state.pointee.next_out = out.baseAddress! + produced
                state.pointee.avail_out = UInt32(max - produced)
                let rc = isal_inflate(state)
                produced = max - Int(state.pointee.avail_out)
                return rc
            }
            // The input may run out anywhere, a member's header included (a file still being written, a header
            // across two reads): ISA-L 2.30 returns OK there, and ISAL_END_INPUT is taken the same way should another
            // version return it; more is read, and a file that ends there is cut short (tested at every header byte).
            guard rc == ISAL_DECOMP_OK || rc == ISAL_END_INPUT else {
                finished = true
                throw IngestError(.corruptCompressed, "\(file.path): gzip data is corrupt (\(Self.reason(rc)))", path: file.path)
            }
            if state.pointee.block_state == ISAL_BLOCK_FINISH {
                // Another member may follow: hand back what the bit buffer took of it, reset and go on.
                let held = Int(state.pointee.read_in_length) / 8
                let next = state.pointee.next_in! - held
                let left = state.pointee.avail_in + UInt32(held)
                isal_inflate_reset(state)
                state.pointee.crc_flag = UInt32(ISAL_GZIP)
                state.pointee.next_in = next
                state.pointee.avail_in = left
                atMemberBoundary = left == 0
            } else {
                atMemberBoundary = false
            }
        }
        buffer.removeLast(max - produced)
    }

    private static func reason(_ rc: Int32) -> String {
        switch rc {
        case ISAL_INVALID_BLOCK: "invalid deflate block"
        case ISAL_INVALID_SYMBOL: "invalid deflate symbol"
        case ISAL_INVALID_LOOKBACK: "invalid distance"
        case ISAL_INVALID_WRAPPER: "not a gzip member"
        case ISAL_UNSUPPORTED_METHOD: "not deflate"
        case ISAL_INCORRECT_CHECKSUM: "wrong checksum"
        default: "error \(rc)"
        }
    }

    public func close() {
        state.deallocate()
        input.deallocate()
        file.close()
    }
}
