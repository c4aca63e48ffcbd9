import Foundation

/// What `stat` says of a file: which file it is, how long, and when it was last written. The same state twice
/// means the file did not change in between.
struct FileState: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    /// The state of `path`, or `nil` when it cannot be stat'ed.
    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        self.init(st)
    }

    /// The state of an open file, or `nil` when it cannot be stat'ed.
    init?(fd: Int32) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        self.init(st)
    }

    private init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modifiedSeconds = Int(st.st_mtim.tv_sec)
        modifiedNanoseconds = Int(st.st_mtim.tv_nsec)
    }

    /// Whether the file was last written long enough ago (`FileIngestor.settleSeconds`) that a compressor is done
    /// with it.
    var settled: Bool {
        let modified = Double(modifiedSeconds) + Double(modifiedNanoseconds) / 1e9
        return Date().timeIntervalSince1970 - modified > FileIngestor.settleSeconds
    }
}
