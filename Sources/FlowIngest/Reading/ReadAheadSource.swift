import Foundation

/// Decompresses on a thread of its own, a few chunks ahead of the reader: a compressed file then costs the
/// decoding thread nothing for inflating, and ingest's three stages (decompress, decode, store) share the cores.
/// An error of the source comes after every chunk read before it, as it would without read-ahead.
final class ReadAheadSource: ByteSource, @unchecked Sendable {
    let source: any ByteSource
    var file: RawFile { source.file }
    /// Decompressed chunks, or the error that ended the source.
    private let chunks = BatchChannel<Result<[UInt8], IngestError>>(capacity: 4)
    private let done = DispatchSemaphore(value: 0)
    /// The chunk last taken, and how much of it the reader has had (it may ask for less than a chunk).
    private var current: [UInt8] = []
    private var position = 0
    private var ended = false

    init(_ source: any ByteSource, chunkSize: Int = 1 << 20) {
        self.source = source
        // The thread holds this object until `close()` has stopped it; only that thread reads `source` meanwhile.
        let thread = Thread { [self] in
            var chunk: [UInt8] = []
            while true {
                do throws(IngestError) {
                    try self.source.read(into: &chunk, max: chunkSize)
                } catch {
                    _ = chunks.put(.failure(error))
                    break
                }
                if chunk.isEmpty || !chunks.put(.success(chunk)) { break }
                chunk = []  // handed over: the next read fills a new array instead of copying this one
            }
            chunks.finish()
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    func read(into buffer: inout [UInt8], max: Int) throws(IngestError) {
        if position == current.count && !ended {
            position = 0
            switch chunks.take() {
            case .success(let chunk)?: current = chunk
            case .failure(let error)?:
                current = []
                ended = true
                throw error
            case nil:
                current = []
                ended = true
            }
        }
        if position == 0 && current.count <= max {
            // The whole chunk: handed over without a copy.
            swap(&buffer, &current)
            current.removeAll()
            return
        }
        let n = min(max, current.count - position)
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: current[position..<(position + n)])
        position += n
    }

    /// Stops the read-ahead thread, then closes the source.
    func close() {
        chunks.cancel()
        done.wait()
        source.close()
    }
}
