/// Matching lines over time: buckets of `interval` seconds from `from`.
public struct Histogram: Sendable, Equatable {
    public var from: Int64
    public var to: Int64
    public var interval: Int64
    /// (bucket start, lines), in time order; empty buckets are left out.
    public var buckets: [Bucket]

    public struct Bucket: Sendable, Equatable {
        public var start: Int64
        public var lines: Int64

        public init(start: Int64, lines: Int64) {
            self.start = start
            self.lines = lines
        }
    }

    public init(from: Int64, to: Int64, interval: Int64, buckets: [Bucket]) {
        (self.from, self.to, self.interval, self.buckets) = (from, to, interval, buckets)
    }

    /// Bucket lengths to pick from: the smallest that gives at most the buckets asked for.
    public static let intervals: [Int64] = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 7 * 86_400]

    /// The interval for a span of time cut into at most `buckets`.
    public static func interval(from: Int64, to: Int64, buckets: Int64) -> Int64 {
        intervals.first { (to - from) / $0 < buckets } ?? intervals.last!
    }
}
