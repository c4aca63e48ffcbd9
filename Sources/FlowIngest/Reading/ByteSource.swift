import Foundation

/// A stream of decompressed bytes from a file.
public protocol ByteSource: AnyObject {
    /// Reads up to `max` bytes into `buffer` (replacing its contents). An empty result means end of data.
    func read(into buffer: inout [UInt8], max: Int) throws(IngestError) -> Void
    /// Releases the file.
    func close()
    /// The file read (for compressed sources, the compressed file): its device and inode identify what was opened.
    var file: RawFile { get }
}

extension [UInt8] {
    /// `count` bytes for a ``ByteSource`` to write into before anything reads them, then cut to what it wrote: not
    /// zeroed first. The read-ahead thread starts every chunk from an empty array, and zeroing its megabyte was 1.4%
    /// of a gz ingest's CPU.
    static func unfilled(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}

/// The compression of a file, from its name.
public enum Compression: String, Sendable {
    case none, gzip, zstd

    /// `.gz` → gzip, `.zst` → zstd, anything else plain.
    public init(path: String) {
        if path.hasSuffix(".gz") {
            self = .gzip
        } else if path.hasSuffix(".zst") || path.hasSuffix(".zstd") {
            self = .zstd
        } else {
            self = .none
        }
    }

    /// Opens a source of the decompressed content of `path`.
    public func open(_ path: String) throws(IngestError) -> any ByteSource {
        let file = try RawFile(path: path)
        switch self {
        case .none: return file
        case .gzip: return try GzipSource(file)
        case .zstd: return try ZstdSource(file)
        }
    }
}

/// A plain file read with `read(2)`.
public final class RawFile: ByteSource {
    public let path: String
    let fd: Int32
    /// The file's device and inode at open time.
    public let device: UInt64
    public let inode: UInt64

    public init(path: String) throws(IngestError) {
        self.path = path
        // Non-blocking, so that opening a FIFO never waits for a writer; it is refused below.
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw IngestError.fromErrno(errno, path: path, doing: "open") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            Foundation.close(fd)
            throw IngestError.fromErrno(e, path: path, doing: "stat")
        }
        let type = st.st_mode & S_IFMT
        if type != S_IFREG {
            Foundation.close(fd)
            let what: String
            switch type {
            case S_IFDIR: what = "a directory"
            case S_IFIFO: what = "a FIFO"
            case S_IFCHR: what = "a character device"
            case S_IFBLK: what = "a block device"
            case S_IFSOCK: what = "a socket"
            default: what = "not a regular file"
            }
            throw IngestError(.notAFile, "\(path) is \(what); only regular files are read", path: path)
        }
        self.fd = fd
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }

    public var file: RawFile { self }

    /// Moves to an absolute offset (plain files only).
    func seek(to offset: Int64) throws(IngestError) {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw IngestError.fromErrno(errno, path: path, doing: "seek") }
    }

    public func read(into buffer: inout [UInt8], max: Int) throws(IngestError) {
        if buffer.count != max { buffer = .unfilled(max) }
        let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, max) }
        guard n >= 0 else { throw IngestError.fromErrno(errno, path: path, doing: "read") }
        buffer.removeLast(max - n)
    }

    /// The file's current state (size, modification time), or `nil` when it cannot be stat'ed.
    func state() -> FileState? { FileState(fd: fd) }

    /// Maps up to `length` bytes of the file from `offset` (read-only), or `nil` when it cannot be mapped.
    /// Framing lines straight from the page cache saves a copy of every byte (a third of the decoding thread's
    /// time with `read(2)` on this machine). Callers map a window at a time, so the mapping adds a bounded
    /// amount to the resident set whatever the file size.
    func map(from offset: Int64, length: Int) -> MappedRegion? {
        let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
        let aligned = offset - offset % page
        let span = Int(offset - aligned) + length
        guard length > 0, let p = mmap(nil, span, PROT_READ, MAP_PRIVATE, fd, off_t(aligned)), p != MAP_FAILED else {
            return nil
        }
        madvise(p, span, MADV_SEQUENTIAL)
        return MappedRegion(base: p, length: span, start: Int(offset - aligned))
    }

    /// Reads raw (compressed) bytes into a caller-owned buffer; returns the count, 0 at end of file.
    func readRaw(_ p: UnsafeMutableRawPointer, _ max: Int) throws(IngestError) -> Int {
        let n = Foundation.read(fd, p, max)
        guard n >= 0 else { throw IngestError.fromErrno(errno, path: path, doing: "read") }
        return n
    }

    public func close() { Foundation.close(fd) }
}

/// A read-only mapping of a file, unmapped on release.
final class MappedRegion {
    let base: UnsafeMutableRawPointer
    let length: Int
    /// Where reading starts.
    let start: Int

    init(base: UnsafeMutableRawPointer, length: Int, start: Int) {
        self.base = base
        self.length = length
        self.start = start
    }

    deinit { munmap(base, length) }
}
