import FlowLog
import FlowStore
import Foundation
import Synchronization

/// Reads flow-log files (plain, gzip, zstd) into a store, exactly once per line.
///
/// Each file is identified by its ``Fingerprint``; the store keeps how far it was read (a ``Checkpoint``)
/// in the same transaction as the rows, so reading a file again adds only what was not stored yet.
public final class FileIngestor {
    /// How to ingest.
    public struct Options: Sendable {
        /// The node name for lines that carry no `host`; `nil` derives it from the path (``HostName``).
        public var host: String?
        /// Lines per transaction.
        public var batchSize: Int
        /// Longer lines are rejected (`line_too_long`) and never buffered whole.
        public var maxLineLength: Int
        /// What to do with a last line that has no newline: decode it (one-shot ingest of files at rest)
        /// or leave it for a later run (a collector tailing a file that is being written).
        public var decodeFinalPartialLine: Bool

        public init(host: String? = nil, batchSize: Int = 8192, maxLineLength: Int = 1 << 20, decodeFinalPartialLine: Bool = true) {
            self.host = host
            self.batchSize = batchSize
            self.maxLineLength = maxLineLength
            self.decodeFinalPartialLine = decodeFinalPartialLine
        }
    }

    /// What happened to one file.
    public struct FileResult: Sendable {
        public var path: String
        public var host: String?
        /// Lines read in this run (stored + rejected).
        public var linesRead: Int64 = 0
        public var stored: Int64 = 0
        public var rejected: Int64 = 0
        /// Rejected lines by reason code (kept whole in the store or only counted).
        public var rejectedByReason: [String: Int64] = [:]
        /// Lines skipped because an earlier run stored them.
        public var alreadyStored: Int64 = 0
        /// Bytes of an unfinished last line left for a later run.
        public var pendingBytes: Int = 0
        /// Decompressed bytes read.
        public var bytes: Int64 = 0
        /// Where the file's checkpoint stands after this run (decompressed bytes of whole lines).
        public var offset: Int64 = 0
        /// A file-level problem (cut-short archive, unreadable file) after which the good lines were kept.
        public var error: IngestError?
        /// Nothing was done: the file is as the last run of this ingestor left it, every line of it processed
        /// (same device, inode, size and modification time).
        public var unchanged = false
    }

    /// How long a compressed file must have been left alone before a tailing run marks it complete.
    static let settleSeconds = 5.0

    let store: any FlowWriter
    let options: Options
    /// One decoder for every file and run of this ingestor (used by one decoding thread at a time): its pool
    /// hands out the same objects for the same bytes across files and polls, which keeps the store's conn
    /// cache hitting (``SQLiteStore``).
    private let decoder = FlowLineDecoder()
    /// Files read to their end without a problem, with their state then: the same state again means nothing new,
    /// found with one `stat` instead of an open, a read and a query (a log host lists hundreds of finished files a
    /// poll). A compressed file too fresh to be marked complete then (`awaitsSettling`) is read once more when it
    /// has settled, which marks it complete.
    private var finished: [String: (state: FileState, awaitsSettling: Bool, offset: Int64)] = [:]

    public init(store: any FlowWriter, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    /// Ingests one file. Throws only when the file cannot be opened or the store fails;
    /// a file that breaks off midway keeps its good lines and reports the problem in ``FileResult/error``.
    ///
    /// Reading and decoding run on a second thread, storing on the calling thread, with at most two batches
    /// in between (the two stages take about the same time, and this machine has two cores).
    /// - Parameters:
    ///   - progress: called after each stored batch with the bytes read so far.
    ///   - shouldStop: checked between batches; when it returns `true` ingest stops after the last committed
    ///     batch (its checkpoint is in the store), as on a graceful shutdown.
    public func ingest(path: String, progress: ((Int64) -> Void)? = nil, shouldStop: () -> Bool = { false }) throws -> FileResult {
        let host = options.host ?? HostName.derive(fromPath: path)
        let compression = Compression(path: path)
        var result = FileResult(path: path, host: host)
        let state = FileState(path: path)
        if let state, let seen = finished[path], seen.state == state, !(seen.awaitsSettling && state.settled) {
            result.unchanged = true
            result.offset = seen.offset
            return result
        }
        // The identity and the lines come from the same open file: the path may name another file a moment later
        // (rotation), whose lines must not go under this identity's checkpoint.
        let opened = try compression.open(path)
        var handedOver = false
        defer { if !handedOver { opened.close() } }
        guard let identity = try firstLineIdentity(opened) else { return result }
        let previous = try store.checkpoint(fingerprint: identity.fingerprint)
        result.offset = previous?.offset ?? 0
        if previous?.complete == true {
            result.alreadyStored = previous?.lines ?? 0
            remember(state, path, awaitsSettling: false, offset: result.offset)
            return result
        }
        handedOver = true
        guard let reopened = try reopenedAtStart(opened, identity.inode, identity.device, compression, path) else { return result }
        // A compressed file is inflated on a thread of its own, ahead of the decoding thread.
        let source = compression == .none ? reopened : ReadAheadSource(reopened)
        // A store that decodes lines itself (a node agent's server) gets them framed only, when tailing.
        let rawStore = options.decodeFinalPartialLine ? nil : store as? any RawLineWriter
        let decoding = DecodingStage(
            path: path, source: source, options: options, decoder: decoder, raw: rawStore != nil,
            checkpoint: Checkpoint(
                fingerprint: identity.fingerprint, path: path, host: host, device: identity.device,
                inode: identity.inode, offset: previous?.offset ?? 0, lines: previous?.lines ?? 0))
        do {
            try decoding.prepare()
        } catch {
            source.close()
            throw error
        }
        // Two decoded batches may wait for the writer: enough for the two threads' stalls to even out (four were no
        // faster on 1M messy lines, and held 20 MB more of records), and peak RSS stays under 200 MB.
        let channel = BatchChannel<DecodingStage.Batch>(capacity: 2)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            decoding.run(into: channel)
            done.signal()
        }
        thread.stackSize = 1 << 22
        thread.start()
        defer {
            done.wait()
            source.close()
        }
        var finishedRead: Bool?  // read to the end without a problem: whether the checkpoint is complete
        while var batch = channel.take() {
            if shouldStop() {
                channel.cancel()
                break
            }
            if !batch.records.isEmpty || !batch.lines.isEmpty || !batch.rejects.isEmpty || (batch.final && batch.checkpoint.complete) {
                do {
                    if let rawStore {
                        let rejected = try rawStore.append(
                            lines: batch.lines, host: host, overridingLines: options.host != nil, rejects: batch.rejects,
                            checkpoint: batch.checkpoint)
                        let n = rejected.values.reduce(0, +)
                        result.stored -= n
                        result.rejected += n
                        result.rejectedByReason.merge(rejected, uniquingKeysWith: +)
                    } else {
                        try store.append(
                            records: batch.records, host: host, overridingLines: options.host != nil, rejects: batch.rejects,
                            checkpoint: batch.checkpoint)
                    }
                } catch {
                    channel.cancel()
                    throw error
                }
            }
            result.stored += Int64(batch.records.count + batch.lines.count)
            result.rejected += batch.rejects.total
            result.rejectedByReason.merge(batch.rejects.counts, uniquingKeysWith: +)
            result.linesRead += Int64(batch.records.count + batch.lines.count) + batch.rejects.total
            // Moved out of `batch`: records the decoding thread took while this loop still referred to them would be
            // copied there, and freed here.
            decoding.recycler.give(&batch.records)
            result.alreadyStored += batch.alreadyStored
            result.bytes = batch.bytes
            result.offset = batch.checkpoint.offset
            progress?(batch.bytes)
            if batch.final {
                result.pendingBytes = batch.pendingBytes
                result.error = batch.error
                if batch.error == nil { finishedRead = batch.checkpoint.complete }
            }
        }
        if let complete = finishedRead {
            // Not complete though settled already (an unterminated last line): reading it again would not help.
            remember(state, path, awaitsSettling: compression != .none && !complete && state?.settled == false, offset: result.offset)
        }
        return result
    }

    private func remember(_ state: FileState?, _ path: String, awaitsSettling: Bool, offset: Int64) {
        guard let state else { return }
        if finished.count >= 10_000 { finished.removeAll() }
        finished[path] = (state, awaitsSettling, offset)
    }

    /// The file whose identity was just taken, ready to be read from its start, or `nil` when it is gone. Takes over
    /// `opened`: a plain file is rewound; a compressed stream cannot be, so the file is opened again and used only
    /// if it is still the same file.
    private func reopenedAtStart(
        _ opened: any ByteSource, _ inode: UInt64, _ device: UInt64, _ compression: Compression, _ path: String
    ) throws -> (any ByteSource)? {
        if let raw = opened as? RawFile {
            do {
                try raw.seek(to: 0)
            } catch {
                raw.close()
                throw error
            }
            return raw
        }
        opened.close()
        let source = try compression.open(path)
        guard source.file.device == device && source.file.inode == inode else {
            source.close()
            return nil
        }
        return source
    }

    /// The fingerprint, device and inode of a file, or `nil` when it has no byte yet.
    private func firstLineIdentity(_ source: any ByteSource) throws -> (fingerprint: String, device: UInt64, inode: UInt64)? {
        let raw = source as? RawFile
        var collected: [UInt8] = []
        var chunk: [UInt8] = []
        let limit = 4096
        do {
            while collected.count < limit {
                try source.read(into: &chunk, max: 64 * 1024)
                if chunk.isEmpty { break }
                collected.append(contentsOf: chunk)
                if chunk.contains(0x0A) { break }
            }
        } catch {
            if collected.isEmpty { throw error }
        }
        if collected.isEmpty { return nil }
        // A growing file whose first line is still being written (no newline in fewer than `limit` bytes) has no
        // identity yet: its fingerprint would change once the line is finished, and its lines be read twice.
        if raw != nil && !options.decodeFinalPartialLine && collected.count < limit && !collected.contains(0x0A) {
            return nil
        }
        let firstLine = collected.firstIndex(of: 0x0A).map { Array(collected[..<$0]) } ?? Array(collected.prefix(limit))
        let fp = firstLine.prefix(limit).withUnsafeBufferPointer { Fingerprint.of(firstLine: $0) }
        return (fp, source.file.device, source.file.inode)
    }
}
