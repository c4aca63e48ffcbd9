import CZstd

/// Decompresses a zstd file (every frame of it), as timberjack writes rotated flow logs.
public final class ZstdSource: ByteSource {
    public let file: RawFile
    private let dctx: OpaquePointer
    private var input: UnsafeMutableRawPointer
    private let inputSize = ZSTD_DStreamInSize()
    private var inBuffer = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    private var finished = false
    /// The last `ZSTD_decompressStream` result: 0 means a frame ended cleanly.
    private var lastHint = 0

    init(_ file: RawFile) throws(IngestError) {
        self.file = file
        guard let ctx = ZSTD_createDCtx() else {
            throw IngestError(.corruptCompressed, "cannot start zstd decoding of \(file.path)", path: file.path)
        }
        dctx = ctx
        input = .allocate(byteCount: inputSize, alignment: 16)
    }

    public func read(into buffer: inout [UInt8], max: Int) throws(IngestError) {
        if buffer.count != max { buffer = .unfilled(max) }
        var produced = 0
        while produced == 0 && !finished {
            if inBuffer.pos >= inBuffer.size {
                let n = try file.readRaw(input, inputSize)
                if n == 0 {
                    finished = true
                    if lastHint != 0 {
                        throw IngestError(
                            .truncatedCompressed, "\(file.path) is cut short: the zstd frame is incomplete",
                            path: file.path)
                    }
                    break
                }
                inBuffer = ZSTD_inBuffer(src: UnsafeRawPointer(input), size: n, pos: 0)
            }
            let hint: Int = buffer.withUnsafeMutableBytes { out in
                var outBuffer = ZSTD_outBuffer(dst: out.baseAddress! + produced, size: max - produced, pos: 0)
                let r = ZSTD_decompressStream(dctx, &outBuffer, &inBuffer)
                produced += outBuffer.pos
                return r
            }
            if ZSTD_isError(hint) != 0 {
                finished = true
                let why = String(cString: ZSTD_getErrorName(hint))
                throw IngestError(.corruptCompressed, "\(file.path): zstd data is corrupt (\(why))", path: file.path)
            }
            lastHint = hint
        }
        buffer.removeLast(max - produced)
    }

    public func close() {
        ZSTD_freeDCtx(dctx)
        input.deallocate()
        file.close()
    }
}
