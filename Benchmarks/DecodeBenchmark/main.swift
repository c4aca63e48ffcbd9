import FlowIngest
import FlowLog
import FlowSQLite
import FlowStore
import GRDB
import Foundation

// Micro-benchmark of the ingest stages on one file: framing, decoding (byte scanner vs Foundation's
// JSONDecoder-free JSONSerialization baseline), and the full ingest into a fresh store.
// Usage: decode-benchmark FILE [runs]. Prints medians.

let args = CommandLine.arguments
guard args.count >= 2 else {
    print("usage: decode-benchmark FILE [runs]")
    exit(2)
}
let path = args[1]
let data = try Data(contentsOf: URL(fileURLWithPath: path))
let lines: [Range<Int>] = data.withUnsafeBytes { raw in
    var out: [Range<Int>] = []
    var start = 0
    for (i, b) in raw.enumerated() where b == 0x0A {
        out.append(start..<i)
        start = i + 1
    }
    return out
}
print("file: \(path), \(lines.count) lines, \(data.count / 1_048_576) MB")

let runsCount = args.count > 2 ? Int(args[2]) ?? 3 : 3

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func time(_ name: String, _ count: Int, _ body: () throws -> Void) rethrows {
    var samples: [Double] = []
    for _ in 0..<runsCount {
        let t0 = Date()
        try body()
        samples.append(Date().timeIntervalSince(t0))
    }
    let m = median(samples)
    print(String(format: "%@: median %.3f s, %.0f lines/s", name, m, Double(count) / m))
}

let decoder = FlowLineDecoder()
let only = ProcessInfo.processInfo.environment["BENCH_ONLY"]
if only == nil || only == "decode" { time("scanner decode", lines.count) {
    var n = 0
    data.withUnsafeBytes { raw in
        let base = raw.bindMemory(to: UInt8.self).baseAddress!
        for r in lines {
            if (try? decoder.decode(UnsafeBufferPointer(start: base + r.lowerBound, count: r.count))) != nil { n += 1 }
        }
    }
    precondition(n == lines.count)
} }
if only == "decode" { exit(0) }
let sample = Array(lines.prefix(max(lines.count / 10, 1)))
var foundationSamples: [Double] = []
for _ in 0..<(only == nil ? runsCount : 0) {
    let t0 = Date()
    for r in sample { _ = try JSONSerialization.jsonObject(with: data[r]) }
    foundationSamples.append(Date().timeIntervalSince(t0))
}
if only == nil {
    print(String(format: "JSONSerialization (baseline, %d lines): %.0f lines/s", sample.count, Double(sample.count) / median(foundationSamples)))
}

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("decode-bench-\(getpid())")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }
let decoded: [FlowRecord] = data.withUnsafeBytes { raw in
    let base = raw.bindMemory(to: UInt8.self).baseAddress!
    return lines.compactMap { r in try? decoder.decode(UnsafeBufferPointer(start: base + r.lowerBound, count: r.count)) }
}
nonisolated(unsafe) var run = 0
try time("store append only (decoded records, 8192 per transaction)", lines.count) {
    run += 1
    let store = try SQLiteStore(path: dir.appendingPathComponent("a\(run).db").path)
    if let drop = ProcessInfo.processInfo.environment["BENCH_DROP_INDEXES"] {
        try store.dbQueue.write { db in for name in drop.split(separator: ",") { try db.execute(sql: "DROP INDEX \(name)") } }
    }
    var i = 0
    while i < decoded.count {
        let j = min(i + 8192, decoded.count)
        try store.append(records: Array(decoded[i..<j]), host: "bench", rejects: [],
                         checkpoint: Checkpoint(fingerprint: "b", path: path, host: "bench", offset: Int64(j)))
        i = j
    }
}
if only == nil { try time("full ingest into a new store", lines.count) {
    run += 1
    let db = dir.appendingPathComponent("b\(run).db").path
    let store = try SQLiteStore(path: db)
    let r = try FileIngestor(store: store, options: .init(host: "bench")).ingest(path: path)
    precondition(r.stored == Int64(lines.count))
}
}
