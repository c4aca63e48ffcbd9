/// How far a source file has been read: stored in the same transaction as the rows it covers.
public struct Checkpoint: Sendable, Hashable {
    /// The file's identity: hash and length of its first line (decompressed), so that a rotated file,
    /// or its compressed copy, is recognised whatever its name.
    public var fingerprint: String
    public var path: String
    public var host: String?
    public var device: UInt64?
    public var inode: UInt64?
    /// Decompressed bytes consumed, always at a line boundary.
    public var offset: Int64
    /// Lines consumed (stored plus rejected).
    public var lines: Int64
    /// A compressed file read to its end (it cannot grow): later runs skip it without decompressing.
    public var complete: Bool

    public init(
        fingerprint: String, path: String, host: String?, device: UInt64? = nil, inode: UInt64? = nil,
        offset: Int64 = 0, lines: Int64 = 0, complete: Bool = false
    ) {
        self.complete = complete
        self.fingerprint = fingerprint
        self.path = path
        self.host = host
        self.device = device
        self.inode = inode
        self.offset = offset
        self.lines = lines
    }
}

/// A line that could not be decoded: kept with its place and reason.
public struct Reject: Sendable, Hashable {
    public var path: String
    /// 1-based line number.
    public var line: Int64
    /// Byte offset of the line's start (decompressed).
    public var offset: Int64
    public var code: String
    public var reason: String
    /// The line's first bytes (at most ``Reject/maxRawBytes``).
    public var raw: [UInt8]
    /// The line's full length in bytes.
    public var rawLength: Int

    /// How much of a rejected line is kept.
    public static let maxRawBytes = 4096

    public init(path: String, line: Int64, offset: Int64, code: String, reason: String, raw: [UInt8], rawLength: Int) {
        self.path = path
        self.line = line
        self.offset = offset
        self.code = code
        self.reason = reason
        self.raw = raw
        self.rawLength = rawLength
    }
}
