import FlowIngest
import FlowLog
import FlowSQLite
import FlowStore
import Foundation
import GRDB
import TestSupport
import Testing

/// The node agents' raw mode: the ingestor frames lines only and a ``RawLineWriter`` decodes them elsewhere
/// (`flowq serve`); the store must end up as `flowq ingest` of the same file leaves it.
@Suite struct RawLinesTests {
    /// The server's half, in process: the shipped lines decoded with ``RawLineDecoding`` into a real store.
    final class DecodingWriter: RawLineWriter {
        let store: SQLiteStore
        let decoder = FlowLineDecoder()
        /// As the server does: the records of each stored batch are decoded into again for the next.
        let recycler = RecordRecycler(batches: 1)
        var batches = 0
        init(_ store: SQLiteStore) { self.store = store }

        func checkpoint(fingerprint: String) throws -> Checkpoint? { try store.checkpoint(fingerprint: fingerprint) }

        func append(records: [FlowRecord], host: String?, overridingLines: Bool, rejects: Rejects, checkpoint: Checkpoint) throws {
            Issue.record("a tailing ingestor hands a raw writer its lines undecoded")
        }

        func append(lines: RawLines, host: String?, overridingLines: Bool, rejects: Rejects, checkpoint: Checkpoint) throws
            -> [String: Int64]
        {
            batches += 1
            var (records, found) = try lines.bytes.withUnsafeBufferPointer { b in
                try RawLineDecoding.decode(b, runs: lines.runs, path: checkpoint.path, decoder: decoder, recycler: recycler)
            }
            var all = rejects
            all.merge(found)
            try store.append(records: records, host: host, overridingLines: overridingLines, rejects: all, checkpoint: checkpoint)
            recycler.give(&records)
            return found.counts
        }
    }

    static func rejects(_ store: SQLiteStore) throws -> [String] {
        try store.read { db in
            try String.fetchAll(
                db, sql: "SELECT path || ' ' || line || ' ' || offset || ' ' || code || ' ' || raw_length || ' ' || reason FROM reject ORDER BY line")
        }
    }

    @Test func shippedLinesEndAsIngestLeavesThem() throws {
        let dir = TempDir()
        let good = IngestTests.lines(40)
        var first = Array(good[0..<20])
        first[3] = "{\"start_time\": 17953"  // cut short
        first[6] += "\r"  // a CRLF line
        first[9] = String(repeating: "x", count: 9_000)  // over the bound
        first[19] += "\r"  // the last line before the append: its checkpoint must be past the \n
        let path = try dir.write("node-a/flows.log", first.joined(separator: "\n") + "\n")
        let shipped = try SQLiteStore(path: dir.file("shipped.db"))
        let ingested = try SQLiteStore(path: dir.file("ingested.db"))
        let options = FileIngestor.Options(batchSize: 4, maxLineLength: 8_192, decodeFinalPartialLine: false)
        let writer = DecodingWriter(shipped)
        let agent = FileIngestor(store: writer, options: options)
        let plain = FileIngestor(store: ingested, options: options)
        let r = try agent.ingest(path: path)
        #expect(r.stored == 18 && r.rejected == 2 && r.rejectedByReason.count == 2, "\(r)")
        _ = try plain.ingest(path: path)
        #expect(writer.batches == 1)
        // Felix appends (with a bad line and a partial last line, which waits): both resume at the same place.
        var second = Array(good[20..<40])
        second[2] = "not json"
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data((second.joined(separator: "\n") + "\n" + good[0].prefix(30)).utf8))
        try h.close()
        let r2 = try agent.ingest(path: path)
        #expect(writer.batches == 2)
        #expect(r2.stored == 19 && r2.rejected == 1 && r2.pendingBytes == 30, "\(r2)")
        _ = try plain.ingest(path: path)
        #expect(try IngestTests.count(shipped) == 37)
        #expect(try Self.rejects(shipped) == Self.rejects(ingested))
        #expect(try Self.rejects(shipped).map { $0.split(separator: " ")[1] } == ["4", "10", "23"])
        let sql = "SELECT offset || ' ' || lines FROM source_file"
        #expect(try shipped.read { try String.fetchAll($0, sql: sql) } == ingested.read { try String.fetchAll($0, sql: sql) })
        let flows = "SELECT start_time, end_time, bytes_in, bytes_out FROM flow ORDER BY id"
        #expect(
            try shipped.read { try Row.fetchAll($0, sql: flows).map(\.description) }
                == ingested.read { try Row.fetchAll($0, sql: flows).map(\.description) })
    }

    /// Lines decoded into the records of a stored batch hold what a new record would: a member the line omits is
    /// absent, whatever the line decoded into the record before held (its labels, policies, domains, unknown keys).
    @Test func recycledRecordsHoldOnlyTheirOwnLine() throws {
        func raw(_ texts: [String]) -> RawLines {
            var lines = RawLines()
            var offset: Int64 = 0
            for (i, text) in texts.enumerated() {
                Array(text.utf8).withUnsafeBufferPointer { lines.append($0, carriageReturn: false, offset: offset, number: Int64(i + 1)) }
                offset += Int64(text.utf8.count + 1)
            }
            return lines
        }
        let decoder = FlowLineDecoder()
        let recycler = RecordRecycler(batches: 1)
        let rich = raw(IngestTests.lines(6).map { String($0.dropLast()) + #","x_unknown":[1,2]}"# })
        var (first, _) = try rich.bytes.withUnsafeBufferPointer {
            try RawLineDecoding.decode($0, runs: rich.runs, path: "p", decoder: decoder, recycler: recycler)
        }
        #expect(first.count == 6 && first.allSatisfy { $0.sourceLabels != nil && !$0.extra.isEmpty })
        recycler.give(&first)
        let sparseTexts = (0..<8).map { #"{"start_time":\#($0),"end_time":\#($0 + 5),"reporter":"src"}"# }
        let sparse = raw(sparseTexts)
        let (second, rejects) = try sparse.bytes.withUnsafeBufferPointer {
            try RawLineDecoding.decode($0, runs: sparse.runs, path: "p", decoder: decoder, recycler: recycler)
        }
        #expect(rejects.total == 0)
        #expect(second == (try sparseTexts.map { try decoder.decode($0) }))
        #expect(recycler.take().isEmpty, "the stored batch's six records were decoded into")
    }

    @Test func runsMustCoverTheBytes() throws {
        var lines = RawLines()
        for (i, text) in ["nope", "[1]"].enumerated() {
            Array(text.utf8).withUnsafeBufferPointer { lines.append($0, carriageReturn: false, offset: Int64(i * 100), number: Int64(i + 1)) }
        }
        #expect(lines.runs.count == 2 && lines.count == 2)
        let decoder = FlowLineDecoder()
        let bad: [[RawLines.Run]] = [
            [RawLines.Run(offset: 0, line: 0, length: lines.bytes.count - 1)],
            [RawLines.Run(offset: 0, line: 0, length: 2), RawLines.Run(offset: 100, line: 1, length: lines.bytes.count - 2)],
            [RawLines.Run(offset: 0, line: 0, length: lines.bytes.count), RawLines.Run(offset: 9, line: 1, length: 0)],
        ]
        for runs in bad {
            #expect(throws: StoreError.self) {
                try lines.bytes.withUnsafeBufferPointer { try RawLineDecoding.decode($0, runs: runs, path: "p", decoder: decoder, recycler: RecordRecycler(batches: 1)) }
            }
        }
        let (records, rejects) = try lines.bytes.withUnsafeBufferPointer {
            try RawLineDecoding.decode($0, runs: lines.runs, path: "p", decoder: decoder, recycler: RecordRecycler(batches: 1))
        }
        #expect(records.isEmpty && rejects.total == 2)
        #expect(rejects.kept.map { "\($0.line)@\($0.offset)" } == ["1@0", "2@100"])
    }
}
