/// Lines as a file holds them, not decoded: what a node agent ships to `flowq serve`, which decodes them and finds
/// the rejects (with the file's offsets and line numbers, which the runs carry).
public struct RawLines: Sendable {
    /// Consecutive lines of the file.
    public struct Run: Sendable, Hashable, Codable {
        /// Where the run's first line starts in the file (decompressed bytes).
        public var offset: Int64
        /// Lines of the file before the run's first line.
        public var line: Int64
        /// The run's bytes in ``RawLines/bytes``, newlines included.
        public var length: Int

        public init(offset: Int64, line: Int64, length: Int) {
            self.offset = offset
            self.line = line
            self.length = length
        }
    }

    /// The runs' lines one after another, each as the file holds it (a `\r` before the newline kept), ending in `\n`.
    public var bytes: [UInt8] = []
    public var runs: [Run] = []
    /// Lines in all runs.
    public private(set) var count = 0

    public init() {}

    public init(bytes: [UInt8], runs: [Run], count: Int) {
        self.bytes = bytes
        self.runs = runs
        self.count = count
    }

    public var isEmpty: Bool { count == 0 }

    /// Appends line number `number` of the file, which starts at `offset`: its bytes without the newline, and
    /// whether a `\r` stood before it. A line that does not follow the last one in the file starts a new run.
    public mutating func append(_ line: UnsafeBufferPointer<UInt8>, carriageReturn: Bool, offset: Int64, number: Int64) {
        let length = line.count + (carriageReturn ? 2 : 1)
        if let last = runs.indices.last, runs[last].offset + Int64(runs[last].length) == offset {
            runs[last].length += length
        } else {
            runs.append(Run(offset: offset, line: number - 1, length: length))
        }
        bytes.append(contentsOf: line)
        if carriageReturn { bytes.append(0x0D) }
        bytes.append(0x0A)
        count += 1
    }
}
