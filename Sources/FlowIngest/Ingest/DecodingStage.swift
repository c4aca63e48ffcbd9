import FlowLog
import FlowStore
import Foundation

/// The reading half of ingest: decompress, frame lines, decode, and cut batches with their checkpoints.
/// For a store that decodes lines itself (``RawLineWriter``: a node agent's server), it frames them only.
///
/// Runs on its own thread; after ``prepare()`` only that thread touches it (hence `@unchecked Sendable`).
final class DecodingStage: @unchecked Sendable {
    /// Decoded lines (or, undecoded, raw lines) and rejects up to a line boundary, with the checkpoint just after them.
    struct Batch {
        var records: [FlowRecord] = []
        var lines = RawLines()
        var rejects = Rejects()
        var checkpoint: Checkpoint
        var alreadyStored: Int64 = 0
        var bytes: Int64 = 0
        var final = false
        var pendingBytes = 0
        var error: IngestError?
    }

    let path: String
    let source: any ByteSource
    let options: FileIngestor.Options
    /// Lines are framed only, not decoded (the store decodes them).
    let raw: Bool
    var checkpoint: Checkpoint
    private var framer: LineFramer
    private var skipBelow: Int64
    private var lineNumber: Int64
    private var batch: Batch
    private var decoding: LineDecoding
    /// Batches the writer has stored, handed back so that their records are decoded into again on this thread
    /// (``spare``): two batches at most, past that freed.
    let recycler: RecordRecycler
    /// Records of stored batches, taken from ``recycler`` once a batch.
    private var spare: [FlowRecord] = []

    init(
        path: String, source: any ByteSource, options: FileIngestor.Options, decoder: FlowLineDecoder, raw: Bool, checkpoint: Checkpoint
    ) {
        self.path = path
        self.raw = raw
        decoding = LineDecoding(path: path, decoder: decoder)
        self.source = source
        self.options = options
        self.checkpoint = checkpoint
        skipBelow = checkpoint.offset
        lineNumber = 0
        framer = LineFramer(startOffset: 0, maxLineLength: options.maxLineLength)
        batch = Batch(checkpoint: checkpoint)
        recycler = RecordRecycler(batches: 2)
    }

    /// A plain file resumes by seeking to the checkpoint; compressed ones skip the lines below it.
    func prepare() throws(IngestError) {
        if let raw = source as? RawFile, skipBelow > 0 {
            try raw.seek(to: skipBelow)
            framer = LineFramer(startOffset: skipBelow, maxLineLength: options.maxLineLength)
            lineNumber = checkpoint.lines
            skipBelow = 0
        }
    }

    func run(into channel: BatchChannel<Batch>) {
        var chunk: [UInt8] = []
        var bytes: Int64 = 0
        // Plain files: frame straight from mapped windows of the file, then read whatever was appended since.
        if let raw = source as? RawFile, let size = raw.state()?.size {
            var offset = framer.lineStart
            let window = 8 << 20
            while offset < size, let region = raw.map(from: offset, length: Int(min(Int64(window), size - offset))) {
                var at = region.start
                while at < region.length {
                    let n = min(1 << 20, region.length - at)
                    framer.feed(UnsafeBufferPointer(start: region.base.assumingMemoryBound(to: UInt8.self) + at, count: n), handle)
                    at += n
                    bytes += Int64(n)
                    if batchFull {
                        batch.bytes = bytes
                        guard channel.put(cut()) else { return channel.finish() }
                    }
                }
                offset += Int64(region.length - region.start)
            }
            do {
                try raw.seek(to: offset)
            } catch {
                batch.error = error
            }
        }
        do {
            while true {
                try source.read(into: &chunk, max: 1 << 20)
                if chunk.isEmpty { break }
                bytes += Int64(chunk.count)
                chunk.withUnsafeBufferPointer { framer.feed($0, handle) }
                if batchFull {
                    batch.bytes = bytes
                    guard channel.put(cut()) else { return channel.finish() }
                }
            }
        } catch {
            batch.error = error
        }
        finishPartialLine()
        batch.bytes = bytes
        batch.final = true
        // A compressed file cannot grow: read to its end without error, it is complete. Unless, when tailing, it
        // was written in the last seconds: a compressor still writing it may have stopped at a member or frame
        // boundary, which reads as a clean end (the next poll reads on from the checkpoint).
        let settled = options.decodeFinalPartialLine || source.file.state()?.settled == true
        if !(source is RawFile) && batch.error == nil && batch.pendingBytes == 0 && settled {
            checkpoint.complete = true
        }
        _ = channel.put(cut())
        channel.finish()
    }

    /// Bytes of the lines in the current batch.
    private var batchLineBytes = 0
    /// A batch holds at most this many bytes of lines: decoded records are about as large as their lines when
    /// their values are not shared (every line with new labels or policies), and three batches are in flight.
    static let maxBatchBytes = 16 << 20

    private var batchFull: Bool {
        batch.records.count + batch.lines.count + Int(batch.rejects.total) >= options.batchSize || batchLineBytes >= Self.maxBatchBytes
    }

    /// Hands over the current batch and starts the next one.
    private func cut() -> Batch {
        while spare.count < options.batchSize {
            var stored = recycler.take()
            if stored.isEmpty { break }
            // The fewer records are appended to the more (appending copies each one, and frees the array it leaves).
            if stored.count > spare.count { swap(&stored, &spare) }
            spare += stored
        }
        var out = batch
        out.checkpoint = checkpoint
        batch = Batch(checkpoint: checkpoint)
        batchLineBytes = 0
        if raw {
            batch.lines.bytes.reserveCapacity(out.lines.bytes.count)
        } else {
            batch.records.reserveCapacity(options.batchSize)
        }
        return out
    }

    private func handle(_ event: LineFramer.Event) {
        switch event {
        case .line(let bytes, let offset, let length):
            lineNumber += 1
            if offset < skipBelow {
                batch.alreadyStored += 1
                return
            }
            batchLineBytes += bytes.count
            if raw {
                batch.lines.append(bytes, carriageReturn: length > bytes.count, offset: offset, number: lineNumber)
            } else {
                // Moved, not copied: a copy retains and then releases each of the record's arrays.
                if let r = decoding.decode(bytes, number: lineNumber, offset: offset, reusing: &spare, rejects: &batch.rejects) {
                    batch.records.append(consume r)
                }
            }
            checkpoint.offset = offset + Int64(length) + 1
            checkpoint.lines = lineNumber
        case .overlong(let prefix, let offset, let length):
            lineNumber += 1
            if offset < skipBelow {
                batch.alreadyStored += 1
                return
            }
            decoding.overlong(
                prefix: prefix, number: lineNumber, offset: offset, length: length, bound: options.maxLineLength, into: &batch.rejects)
            checkpoint.offset = offset + Int64(length) + 1
            checkpoint.lines = lineNumber
        }
    }

    /// A last line without a newline: decoded when the file is at rest, else left for a later run (always so in
    /// the raw mode, which ``FileIngestor`` uses only for tailing).
    private func finishPartialLine() {
        guard framer.pending > 0 else { return }
        let offset = framer.lineStart
        guard options.decodeFinalPartialLine, offset >= skipBelow else {
            batch.pendingBytes = framer.pending
            return
        }
        let bytes = framer.pendingBytes
        lineNumber += 1
        do {
            batch.records.append(try bytes.withUnsafeBufferPointer { b throws(DecodeError) in try decoding.decoder.decode(b) })
        } catch {
            let code = batch.error == nil ? error.code.rawValue : DecodeError.Code.truncated.rawValue
            decoding.reject(code, into: &batch.rejects) {
                Reject(
                    path: path, line: lineNumber, offset: offset, code: code,
                    reason: "last line has no newline; " + error.description,
                    raw: Array(bytes.prefix(Reject.maxRawBytes)), rawLength: framer.pending)
            }
        }
        checkpoint.offset = offset + Int64(framer.pending)
        checkpoint.lines = lineNumber
        framer.consumePending()
    }
}
