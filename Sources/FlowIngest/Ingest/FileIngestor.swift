import FlowLog
import FlowStore
import Foundation

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
        /// Lines skipped because an earlier run stored them.
        public var alreadyStored: Int64 = 0
        /// Bytes of an unfinished last line left for a later run.
        public var pendingBytes: Int = 0
        /// Decompressed bytes read.
        public var bytes: Int64 = 0
        /// A file-level problem (cut-short archive, unreadable file) after which the good lines were kept.
        public var error: IngestError?
    }

    let store: any FlowStorage
    let options: Options
    let decoder = FlowLineDecoder()

    public init(store: any FlowStorage, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    /// Ingests one file. Throws only when the file cannot be opened or the store fails;
    /// a file that breaks off midway keeps its good lines and reports the problem in ``FileResult/error``.
    public func ingest(path: String, progress: ((Int64) -> Void)? = nil) throws -> FileResult {
        let host = options.host ?? HostName.derive(fromPath: path)
        var result = FileResult(path: path, host: host)
        let compression = Compression(path: path)
        guard let identity = try firstLineIdentity(path, compression) else { return result }
        let previous = try store.checkpoint(fingerprint: identity.fingerprint)
        var skipBelow = previous?.offset ?? 0
        var lineNumber = previous?.lines ?? 0

        let source = try compression.open(path)
        defer { source.close() }
        var framer: LineFramer
        if compression == .none, let raw = source as? RawFile, skipBelow > 0 {
            try raw.seek(to: skipBelow)
            framer = LineFramer(startOffset: skipBelow, maxLineLength: options.maxLineLength)
            skipBelow = 0
        } else {
            framer = LineFramer(startOffset: 0, maxLineLength: options.maxLineLength)
            lineNumber = 0
        }
        var checkpoint = Checkpoint(
            fingerprint: identity.fingerprint, path: path, host: host, device: identity.device, inode: identity.inode,
            offset: previous?.offset ?? 0, lines: previous?.lines ?? 0)
        var batch: [FlowRecord] = []
        batch.reserveCapacity(options.batchSize)
        var rejects: [Reject] = []
        var chunk: [UInt8] = []

        func flush() throws {
            guard !batch.isEmpty || !rejects.isEmpty else { return }
            try store.append(records: batch, host: host, rejects: rejects, checkpoint: checkpoint)
            result.stored += Int64(batch.count)
            result.rejected += Int64(rejects.count)
            batch.removeAll(keepingCapacity: true)
            rejects.removeAll(keepingCapacity: true)
        }

        func handle(_ event: LineFramer.Event) {
            switch event {
            case .line(let bytes, let offset):
                lineNumber += 1
                let end = offset + Int64(bytes.count) + 1
                if offset < skipBelow {
                    result.alreadyStored += 1
                    return
                }
                result.linesRead += 1
                do {
                    batch.append(try decoder.decode(bytes))
                } catch {
                    rejects.append(Reject(
                        path: path, line: lineNumber, offset: offset, code: error.code.rawValue,
                        reason: error.description, raw: Array(bytes.prefix(Reject.maxRawBytes)), rawLength: bytes.count))
                }
                checkpoint.offset = end
                checkpoint.lines = lineNumber
            case .overlong(let prefix, let offset, let length):
                lineNumber += 1
                if offset < skipBelow {
                    result.alreadyStored += 1
                    return
                }
                result.linesRead += 1
                rejects.append(Reject(
                    path: path, line: lineNumber, offset: offset, code: DecodeError.Code.lineTooLong.rawValue,
                    reason: "line_too_long: \(length) bytes, over the \(options.maxLineLength)-byte bound",
                    raw: prefix, rawLength: length))
                checkpoint.offset = offset + Int64(length) + 1
                checkpoint.lines = lineNumber
            }
        }

        do {
            while true {
                try source.read(into: &chunk, max: 1 << 20)
                if chunk.isEmpty { break }
                result.bytes += Int64(chunk.count)
                chunk.withUnsafeBufferPointer { framer.feed($0, handle) }
                if batch.count + rejects.count >= options.batchSize { try flush() }
                progress?(result.bytes)
            }
        } catch let e as IngestError {
            result.error = e
        }
        // A last line without a newline.
        if framer.pending > 0 {
            let offset = framer.lineStart
            let bytes = framer.pendingBytes
            if options.decodeFinalPartialLine && offset >= skipBelow {
                lineNumber += 1
                result.linesRead += 1
                do {
                    batch.append(try bytes.withUnsafeBufferPointer { b throws(DecodeError) in try decoder.decode(b) })
                } catch {
                    let code = result.error == nil ? error.code.rawValue : DecodeError.Code.truncated.rawValue
                    rejects.append(Reject(
                        path: path, line: lineNumber, offset: offset, code: code,
                        reason: "last line has no newline; " + error.description,
                        raw: Array(bytes.prefix(Reject.maxRawBytes)), rawLength: framer.pending))
                }
                checkpoint.offset = offset + Int64(framer.pending)
                checkpoint.lines = lineNumber
                framer.consumePending()
            } else {
                result.pendingBytes = framer.pending
            }
        }
        try flush()
        return result
    }

    /// The fingerprint, device and inode of a file, or `nil` when it has no byte yet.
    private func firstLineIdentity(_ path: String, _ compression: Compression) throws
        -> (fingerprint: String, device: UInt64, inode: UInt64)?
    {
        let source = try compression.open(path)
        defer { source.close() }
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
        let firstLine = collected.firstIndex(of: 0x0A).map { Array(collected[..<$0]) } ?? Array(collected.prefix(limit))
        let fp = firstLine.prefix(limit).withUnsafeBufferPointer { Fingerprint.of(firstLine: $0) }
        let identity = try raw.map { ($0.device, $0.inode) } ?? statIdentity(path)
        return (fp, identity.0, identity.1)
    }

    private func statIdentity(_ path: String) throws -> (UInt64, UInt64) {
        var st = stat()
        guard stat(path, &st) == 0 else { throw IngestError.fromErrno(errno, path: path, doing: "stat") }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }
}
