import ArgumentParser

/// `--max-line-length`: the longest line flowq accepts.
enum LineLimit {
    static let range = 4_096...(256 << 20)

    static func check(_ bytes: Int) throws {
        guard range.contains(bytes) else {
            throw ValidationError("--max-line-length must be between \(range.lowerBound) and \(range.upperBound) bytes")
        }
    }
}
