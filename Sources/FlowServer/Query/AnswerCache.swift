import FlowStore
import Foundation
import NIOCore

/// Answers of read requests, kept until the store changes.
///
/// Dashboards, scripts and the web page ask the same questions again and again while the data does not change
/// between two asks (a collector commits a batch every second or so; an hour of history never changes). An answer
/// is kept under the store's data version (``FlowReader/dataVersion()``: SQLite's `data_version`, PostgreSQL's
/// `store_version` sum), read by a reader of its own before and after the answer is computed; it is kept only when
/// the two are equal, so no commit fell inside the query, and it is given again only while the version is still the
/// same.
/// Requests for an answer that is being computed wait for it instead of running the same query again (at most
/// one query per question at a time). The kept answers are bounded by bytes; the least recently used go first.
actor AnswerCache {
    /// A response body and its type.
    struct Answer: Sendable {
        var contentType: String
        var body: ByteBuffer
    }

    /// What a request got: the answer and whether it was kept from an earlier request.
    struct Outcome: Sendable {
        var answer: Answer
        var hit: Bool
    }

    private struct Entry {
        var version: String
        var answer: Answer
        var used: UInt64
    }

    /// Bytes kept at most; 0 keeps nothing (every request computes its answer).
    let budget: Int
    private let watcher: VersionWatcher
    private var entries: [String: Entry] = [:]
    private var bytes = 0
    private var clock: UInt64 = 0
    private var running: [String: Task<Answer, any Error>] = [:]

    init(backend: any StoreBackend, budget: Int) {
        self.budget = budget
        watcher = VersionWatcher(backend: backend)
    }

    /// The answer to the question `key` (a canonical form of the request), computed by `compute` unless kept.
    func answer(_ key: String, compute: @escaping @Sendable () async throws -> Answer) async throws -> Outcome {
        guard budget > 0, let before = await watcher.version() else { return Outcome(answer: try await compute(), hit: false) }
        if let e = entries[key], e.version == before {
            clock += 1
            entries[key]?.used = clock
            return Outcome(answer: e.answer, hit: true)
        }
        let flight = key + "\u{0}" + before
        if let task = running[flight] { return Outcome(answer: try await task.value, hit: false) }
        let task = Task { try await compute() }
        running[flight] = task
        defer { running[flight] = nil }
        let answer = try await task.value
        if await watcher.version() == before { keep(key, Entry(version: before, answer: answer, used: 0)) }
        return Outcome(answer: answer, hit: false)
    }

    private static func size(_ key: String, _ e: Entry) -> Int { e.answer.body.readableBytes + key.utf8.count }

    private func keep(_ key: String, _ entry: Entry) {
        let size = Self.size(key, entry)
        guard size <= budget / 8 else { return }  // one huge answer must not push out all the others
        if let old = entries.removeValue(forKey: key) { bytes -= Self.size(key, old) }
        if bytes + size > budget {
            // The least recently used go, a quarter of the budget at once: one sort per many answers kept, not a
            // scan of every entry per answer once the cache is full.
            for (k, e) in entries.sorted(by: { $0.value.used < $1.value.used }) where bytes + size > budget * 3 / 4 {
                entries[k] = nil
                bytes -= Self.size(k, e)
            }
        }
        clock += 1
        var e = entry
        e.used = clock
        entries[key] = e
        bytes += size
    }
}

/// The reader that reads the store's data version, opened on first use and used by one thread at a time.
final class VersionWatcher: @unchecked Sendable {
    private let backend: any StoreBackend
    private let lock = NSLock()
    private var reader: (any FlowReader)?

    init(backend: any StoreBackend) { self.backend = backend }

    /// The current data version, or nil when it cannot be read (then nothing is kept or given from the cache).
    func version() async -> String? {
        try? await offEventLoop { [self] in
            try lock.withLock {
                do {
                    if reader == nil { reader = try backend.openReader() }
                    return try reader!.dataVersion()
                } catch {
                    reader = nil  // opened again next time (the store may come back)
                    throw error
                }
            }
        }
    }
}
