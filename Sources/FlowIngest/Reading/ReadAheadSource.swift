import Foundation

/// Decompresses on a thread of its own, a few chunks ahead of the reader: inflating a gzip or zstd file then runs
/// beside the decoding of its lines instead of before it (on 2 cores, gzip ingest was bound by one thread doing
/// both).
///
/// At most ``depth`` chunks wait, so memory stays bounded; chunk buffers go back to the decompressing thread to be
/// filled again (freed where they were allocated). An error reaches the reader after the chunks read before it.
final class ReadAheadSource: ByteSource, @unchecked Sendable {
    static let depth = 4
    static let chunkSize = 1 << 20

    private let inner: any ByteSource
    private let condition = NSCondition()
    private var ready: [[UInt8]] = []
    private var spare: [[UInt8]] = []
    private var ended = false
    private var failure: IngestError?
    private var stopping = false
    private var running = true
    private var started = false

    var file: RawFile { inner.file }

    init(_ inner: any ByteSource) { self.inner = inner }

    func read(into buffer: inout [UInt8], max: Int) throws(IngestError) {
        condition.lock()
        defer { condition.unlock() }
        if !started {
            started = true
            let t = Thread { [self] in fill() }
            t.name = "flowq-inflate"
            t.start()
        }
        while ready.isEmpty && !ended && failure == nil { condition.wait() }
        if !ready.isEmpty {
            let next = ready.removeFirst()
            if buffer.capacity > 0 { spare.append(buffer) }
            buffer = next
            condition.broadcast()
            return
        }
        if let failure { throw failure }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The decompressing thread: fills chunks until the end, an error, or ``close()``.
    private func fill() {
        var chunk: [UInt8] = []
        while true {
            condition.lock()
            while ready.count >= Self.depth && !stopping { condition.wait() }
            if stopping { break }
            if chunk.capacity == 0, let reused = spare.popLast() { chunk = reused }
            condition.unlock()
            do {
                try inner.read(into: &chunk, max: Self.chunkSize)
            } catch {
                condition.lock()
                failure = error
                break
            }
            condition.lock()
            if chunk.isEmpty {
                ended = true
                break
            }
            ready.append(chunk)
            chunk = []
            condition.broadcast()
            condition.unlock()
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while started && running { condition.wait() }
        condition.unlock()
        inner.close()
    }
}
