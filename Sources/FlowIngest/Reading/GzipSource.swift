import CZlib

/// Decompresses a gzip file, every member of it (`cat a.gz b.gz` is one valid file).
///
/// Direct zlib rather than compress-nio: that package stops at the first member (see swift-stack.md §2.4).
public final class GzipSource: ByteSource {
    public let file: RawFile
    private var stream = z_stream()
    private var input: UnsafeMutablePointer<UInt8>
    private let inputSize = 256 * 1024
    private var finished = false
    /// Whether the last member ended cleanly (`Z_STREAM_END`) with no bytes after it.
    private var atMemberBoundary = true

    init(_ file: RawFile) throws(IngestError) {
        self.file = file
        input = .allocate(capacity: inputSize)
        // 15 + 32: auto-detect a gzip or zlib header.
        let rc = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            input.deallocate()
            throw IngestError(.corruptCompressed, "cannot start gzip decoding of \(file.path)", path: file.path)
        }
    }

    public func read(into buffer: inout [UInt8], max: Int) throws(IngestError) {
        if buffer.count != max { buffer = [UInt8](repeating: 0, count: max) }
        var produced = 0
        while produced == 0 && !finished {
            if stream.avail_in == 0 {
                let n = try file.readRaw(input, inputSize)
                if n == 0 {
                    finished = true
                    if !atMemberBoundary {
                        throw IngestError(
                            .truncatedCompressed, "\(file.path) is cut short: the gzip stream ends mid-member",
                            path: file.path)
                    }
                    break
                }
                stream.next_in = input
                stream.avail_in = UInt32(n)
            }
            let rc: Int32 = buffer.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress! + produced
                stream.avail_out = UInt32(max - produced)
                let rc = inflate(&stream, Z_NO_FLUSH)
                produced = max - Int(stream.avail_out)
                return rc
            }
            switch rc {
            case Z_OK, Z_BUF_ERROR:
                atMemberBoundary = false
            case Z_STREAM_END:
                atMemberBoundary = true
                // Another member may follow: reset and go on.
                inflateReset(&stream)
            default:
                finished = true
                let why = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw IngestError(.corruptCompressed, "\(file.path): gzip data is corrupt (\(why))", path: file.path)
            }
        }
        buffer.removeLast(max - produced)
    }

    public func close() {
        inflateEnd(&stream)
        input.deallocate()
        file.close()
    }
}
