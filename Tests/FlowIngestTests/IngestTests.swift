import FlowIngest
import FlowLog
import FlowQuery
import FlowSample
import FlowSQLite
import FlowStore
import Foundation
import GRDB
import TestSupport
import Testing

@Suite struct IngestTests {
    static func lines(_ n: Int, era: Era = .v2, seed: UInt64 = 1, start: Int64 = 1_795_392_000) -> [String] {
        var out: [String] = []
        SampleGenerator(.init(lines: n, era: era, seed: seed, start: start, span: 3600)).generate { out.append($0.json) }
        return out
    }

    static func count(_ store: SQLiteStore, _ table: String = "flow") throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)")! }
    }

    @Test func plainFileOnceOnlyAndAppendsResume() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("i.db"))
        let all = Self.lines(500)
        let path = try dir.write("node-a/flows.log", all[0..<300].joined(separator: "\n") + "\n")
        let ingestor = FileIngestor(store: store, options: .init(batchSize: 64))
        let first = try ingestor.ingest(path: path)
        #expect(first.stored == 300 && first.host == "node-a")
        let again = try ingestor.ingest(path: path)
        #expect(again.stored == 0 && again.alreadyStored == 0 && again.unchanged)
        // Another ingestor (a restart) finds the same through the checkpoint.
        let restarted = try FileIngestor(store: store, options: .init(batchSize: 64)).ingest(path: path)
        #expect(restarted.stored == 0 && !restarted.unchanged)
        // Felix appends: only the new lines are stored.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data((all[300...].joined(separator: "\n") + "\n").utf8))
        try h.close()
        let third = try ingestor.ingest(path: path)
        #expect(third.stored == 200 && !third.unchanged)
        #expect(try Self.count(store) == 500)
        let hosts = try store.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT name FROM host") }
        #expect(hosts == ["node-a"])
    }

    /// A tailed file whose first line is still being written has no identity yet: once the line is finished the
    /// fingerprint would differ and the file be read again from its start. Lines longer than the fingerprint's
    /// 4,096 bytes are identified by their first 4,096 bytes as soon as those are there.
    @Test func unfinishedFirstLineWaitsForItsNewline() throws {
        for firstLength in [1_000, 6_000] {
            let dir = TempDir()
            let store = try SQLiteStore(path: dir.file("i.db"))
            let all = Self.lines(50)
            let first = "{\"pad\":\"" + String(repeating: "p", count: firstLength) + "\"," + all[0].dropFirst()
            let path = try dir.write("n/flows.log", String(first.prefix(firstLength / 2)))
            let ingestor = FileIngestor(store: store, options: .init(decodeFinalPartialLine: false))
            let r1 = try ingestor.ingest(path: path)
            #expect(r1.stored == 0)
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            h.seekToEndOfFile()
            h.write(Data((String(first.dropFirst(firstLength / 2)) + "\n" + all[1..<20].joined(separator: "\n") + "\n").utf8))
            #expect(try ingestor.ingest(path: path).stored == 20)
            h.write(Data((all[20...].joined(separator: "\n") + "\n").utf8))
            try h.close()
            #expect(try ingestor.ingest(path: path).stored == 30)
            #expect(try Self.count(store) == 50)
            #expect(try Self.count(store, "reject") == 0)
        }
    }

    /// The race behind the rule above: the first line is finished (and more lines appended) between the moment the
    /// fingerprint is taken and the moment the lines are read. Without the rule those lines were stored under the
    /// fingerprint of the unfinished line, and read again under the finished one's.
    @Test func firstLineFinishedWhileReadingIsStoredOnce() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("i.db"))
        let all = Self.lines(400)
        let ingestor = FileIngestor(store: store, options: .init(decodeFinalPartialLine: false))
        for i in 0..<100 {
            let lines = all[(i * 4)..<(i * 4 + 4)]
            let first = lines.first!
            let path = try dir.write("n\(i)/flows.log", String(first.prefix(first.count / 2)))
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            h.seekToEndOfFile()
            let rest = Data((String(first.dropFirst(first.count / 2)) + "\n" + lines.dropFirst().joined(separator: "\n") + "\n").utf8)
            let writer = Thread {
                usleep(UInt32.random(in: 0...300))
                h.write(rest)
            }
            writer.start()
            for _ in 0..<3 { _ = try ingestor.ingest(path: path) }
            while writer.isExecuting || !writer.isFinished { usleep(100) }
            try h.close()
            _ = try ingestor.ingest(path: path)
        }
        #expect(try Self.count(store) == 400)
    }

    /// `flows.log` rotated (renamed, and a new one created) between the moment its identity is taken and the
    /// moment it is opened for reading: the lines of the new file must not be stored under the old one's
    /// checkpoint (which loses the old file's rest and stores the new one's lines twice).
    @Test func fileRotatedWhileOpeningIsStoredOnce() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("i.db"))
        let all = Self.lines(4000).enumerated().map { i, l in "{\"seq\":\(i)," + l.dropFirst() }
        let ingestor = FileIngestor(store: store, options: .init(decodeFinalPartialLine: false))
        for i in 0..<100 {
            let old = all[(i * 40)..<(i * 40 + 20)], new = all[(i * 40 + 20)..<(i * 40 + 40)]
            let path = try dir.write("n\(i)/flows.log", old.joined(separator: "\n") + "\n")
            let rotated = dir.file("n\(i)/flows-2026-11-25T10-00-00.000.log")
            let writer = Thread {
                usleep(UInt32.random(in: 0...400))
                try? FileManager.default.moveItem(atPath: path, toPath: rotated)
                try? (new.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
            }
            writer.start()
            for _ in 0..<4 { _ = try? ingestor.ingest(path: path) }
            while !writer.isFinished { usleep(100) }
            _ = try ingestor.ingest(path: rotated)
            _ = try ingestor.ingest(path: path)
        }
        #expect(try Self.count(store) == 4000)
        let distinct = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(DISTINCT json_extract(extra, '$.seq')) FROM flow")! }
        #expect(distinct == 4000)
    }

    /// A compressed file still being written can stop at a member boundary, which reads as a clean end: while
    /// tailing, a file written in the last seconds is not marked complete, so what is appended is still read.
    @Test func freshCompressedFileIsNotCompleteWhileTailing() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("i.db"))
        let all = Self.lines(60)
        let a = try dir.write("a.log", all[0..<30].joined(separator: "\n") + "\n")
        let b = try dir.write("b.log", all[30...].joined(separator: "\n") + "\n")
        let gz = dir.file("n/flows-2026-11-25T10-00-00.000.log.gz")
        try FileManager.default.createDirectory(atPath: dir.file("n"), withIntermediateDirectories: true)
        // One member now, a second one later (as `cat a.gz b.gz`, or a compressor that flushes members).
        #expect(try run("/bin/sh", ["-c", "gzip -c \"$0\" > \"$1\"", a, gz]).status == 0)
        let tailing = FileIngestor(store: store, options: .init(decodeFinalPartialLine: false))
        #expect(try tailing.ingest(path: gz).stored == 30)
        #expect(try store.checkpoint(fingerprint: Self.fingerprint(all[0]))?.complete == false)
        #expect(try run("/bin/sh", ["-c", "gzip -c \"$0\" >> \"$1\"", b, gz]).status == 0)
        #expect(try tailing.ingest(path: gz).stored == 30)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: gz)
        #expect(try tailing.ingest(path: gz).stored == 0)
        #expect(try store.checkpoint(fingerprint: Self.fingerprint(all[0]))?.complete == true)
        #expect(try Self.count(store) == 60)
    }

    static func fingerprint(_ line: String) -> String {
        Array(line.utf8).withUnsafeBufferPointer { Fingerprint.of(firstLine: $0) }
    }

    @Test(.enabled(if: Environment.has("zstd"), "needs the zstd tool"))
    func renamedAndCompressedCopiesAreRecognised() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("i.db"))
        let text = Self.lines(200).joined(separator: "\n") + "\n"
        let path = try dir.write("n/flows.log", text)
        let ingestor = FileIngestor(store: store)
        #expect(try ingestor.ingest(path: path).stored == 200)
        // Rotation renames it; timberjack then compresses it: same content, same identity.
        let rotated = dir.file("n/flows-2026-11-23T10-00-00.000-size.log")
        try FileManager.default.moveItem(atPath: path, toPath: rotated)
        #expect(try ingestor.ingest(path: rotated).stored == 0)
        let zst = try run("/usr/bin/env", ["zstd", "-q", "--rm", rotated])
        #expect(zst.status == 0)
        let r = try ingestor.ingest(path: rotated + ".zst")
        #expect(r.stored == 0 && r.alreadyStored == 200)
        #expect(try Self.count(store) == 200)
    }

    @Test func sampleLogsCompressedEdgeCases() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("i.db"))
        let ingestor = FileIngestor(store: store, options: .init(host: "lab"))
        let gz = try ingestor.ingest(path: Repo.sampleLogs("edge-cases/two-members.log.gz"))
        #expect(gz.stored == 60 && gz.rejected == 0 && gz.error == nil)
        let zst = try ingestor.ingest(path: Repo.sampleLogs("edge-cases/flows-2026-11-24T10-00-00.000-size.log.zst"))
        #expect(zst.stored == 50 && zst.error == nil)
    }

    /// Batches of lines of every era and shape, each decoded into the records of the batches stored before
    /// (``RecordRecycler``), store what one batch of fresh records stores: nothing of an earlier line is left.
    /// (A batch is cut between reads of 1 MB, so the 12 MB here make a dozen batches.)
    @Test func recordsDecodedIntoAgainStoreWhatFreshOnesStore() throws {
        let dir = TempDir()
        var lines = try Repo.realLines()
        for (i, era) in [Era.v0, .v1a, .v1c, .v2].enumerated() { lines += Self.lines(40, era: era, seed: UInt64(i + 3)) }
        var rng = SplitMix64(seed: 11)
        lines.shuffle(using: &rng)
        for at in [20, 77, 140] {  // lines of a few keys only, after lines of every key
            lines.insert("{\"start_time\": 1795392000, \"end_time\": 1795392010, \"source_namespace\": \"few-\(at)\"}", at: at)
        }
        lines.insert("{\"source_namespace\": \"half\", \"bytes_in\": \"x\"}", at: 50)  // rejected half-way
        lines = (0..<30).flatMap { _ in lines }
        let path = try dir.write("node-a/flows.log", lines.joined(separator: "\n") + "\n")
        func stored(batchSize: Int) throws -> [FlowRecord] {
            let store = try SQLiteStore(path: dir.file("b\(batchSize).db"))
            let r = try FileIngestor(store: store, options: .init(batchSize: batchSize)).ingest(path: path)
            #expect(r.stored == Int64(lines.count - 30) && r.rejected == 30, "\(r)")
            return try store.records(.always, limit: nil).map(\.record)
        }
        let fresh = try stored(batchSize: 100_000)
        let reused = try stored(batchSize: 3)
        #expect(fresh.count == lines.count - 30)
        #expect(reused == fresh)
    }

    @Test func malformedLinesAreRejectedWithPlaceAndReasonAndGoodLinesKept() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("i.db"))
        let r = try FileIngestor(store: store, options: .init(host: "lab")).ingest(path: Repo.sampleLogs("edge-cases/malformed.log"))
        #expect(r.stored == 3 && r.rejected == 8)
        let rejects = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT line, offset, code, raw_length FROM reject ORDER BY line")
        }
        #expect(rejects.map { $0[0] as Int } == [2, 3, 4, 5, 6, 7, 9, 10])
        #expect(rejects[0][2] as String == "truncated")
        #expect(rejects[1][2] as String == "wrong_type")
        let namespaces = try store.read { db in try String.fetchAll(db, sql: "SELECT namespace FROM endpoint ORDER BY 1") }
        #expect(namespaces == ["good", "good-2", "good-3"])
        // The offset points at the line start.
        let text = try Data(contentsOf: URL(fileURLWithPath: Repo.sampleLogs("edge-cases/malformed.log")))
        let offset = rejects[0][1] as Int
        #expect(text[offset - 1] == 0x0A)
    }

    @Test func badInputsGiveARejectOrAClearError() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("i.db"))
        let ingestor = FileIngestor(store: store, options: .init(host: "h", maxLineLength: 1 << 20))
        let good = Self.lines(3)
        // A 10 MB line between good lines: rejected, never buffered whole, neighbours kept.
        let huge = "{\"x\":\"" + String(repeating: "a", count: 10 << 20) + "\"}"
        let p1 = try dir.write("big.log", [good[0], huge, good[1]].joined(separator: "\n") + "\n")
        let r1 = try ingestor.ingest(path: p1)
        #expect(r1.stored == 2 && r1.rejected == 1)
        let code = try store.read { db in try String.fetchOne(db, sql: "SELECT code FROM reject") }
        #expect(code == "line_too_long")
        // An empty file: nothing, no error.
        let p2 = try dir.write("empty.log", "")
        #expect(try ingestor.ingest(path: p2).linesRead == 0)
        // Binary garbage: rejects, no crash.
        var rng = SplitMix64(seed: 1)
        let garbage = (0..<5000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let p3 = try dir.write("garbage.log", bytes: garbage)
        let r3 = try ingestor.ingest(path: p3)
        #expect(r3.stored == 0 && r3.rejected > 0)
        // A missing file and a directory: clear errors.
        #expect(throws: IngestError.self) { try ingestor.ingest(path: dir.file("nope.log")) }
        // A last line without a newline, in a file at rest: decoded.
        let p4 = try dir.write("nonl.log", good[2])
        #expect(try ingestor.ingest(path: p4).stored == 1)
    }

    @Test(.enabled(if: Environment.has("gzip"), "needs the gzip tool"))
    func truncatedGzipKeepsTheGoodLinesAndSaysSo() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("i.db"))
        let text = Self.lines(2000).joined(separator: "\n") + "\n"
        let plain = try dir.write("t.log", text)
        #expect(try run("/usr/bin/env", ["gzip", "-k", plain]).status == 0)
        let full = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz"))
        let cut = try dir.write("cut.log.gz", bytes: Array(full.prefix(full.count / 2)))
        let r = try FileIngestor(store: store, options: .init(host: "h")).ingest(path: cut)
        #expect(r.error?.code == .truncatedCompressed)
        #expect(r.stored > 100 && r.stored < 2000)
        // The cut-off last line is recorded, not silently dropped.
        #expect(r.rejected <= 1)
    }

    /// Builds `out` from the bytes of `plain` cut into gzip members: deflated and stored ones of random sizes, and stored ones
    /// sized so that a member ends exactly 0 to 16 bytes before each of the reader's 256 KB input boundaries (where
    /// the inflater may already hold the next member's first bytes); then flips one byte if asked.
    static let membersScript = #"""
        import gzip, random, sys
        random.seed(5)
        data = open(sys.argv[1], 'rb').read()
        out = bytearray(); pos = 0; chunk = 256 * 1024
        def add(n, level):
            global pos
            out.extend(gzip.compress(data[pos:pos + n], compresslevel=level, mtime=0)); pos += n
        for k in range(17):
            boundary = (k + 1) * chunk - k
            while len(out) + 6000 < boundary:
                add(random.randint(300, 4000), random.choice([0, 0, 0, 6]))
            room = boundary - len(out)
            overhead = len(gzip.compress(b'x' * room, compresslevel=0, mtime=0)) - room
            add(room - overhead, 0)
            assert len(out) == boundary, (len(out), boundary)
        while pos < len(data):
            add(random.randint(300, 40000), random.choice([1, 6, 9]))
        assert gzip.decompress(bytes(out)) == data
        if len(sys.argv) > 3:
            out[int(sys.argv[3])] ^= 0x55
        open(sys.argv[2], 'wb').write(out)
        """#

    @Test(.enabled(if: Environment.has("python3"), "needs python3"))
    func manyMembersEndingAtEveryPlaceOfTheReadsDecodeWhole() throws {
        let dir = TempDir()
        let text = Self.lines(5000).joined(separator: "\n") + "\n"
        let plain = try dir.write("t.log", text)
        let gz = dir.file("members.log.gz")
        #expect(try run("/usr/bin/env", ["python3", "-c", Self.membersScript, plain, gz]).status == 0)
        let store = try SQLiteStore(path: dir.file("m.db"))
        let r = try FileIngestor(store: store, options: .init(host: "h")).ingest(path: gz)
        #expect(r.error == nil && r.stored == 5000 && r.rejected == 0)
        let fromPlain = try SQLiteStore(path: dir.file("p.db"))
        _ = try FileIngestor(store: fromPlain, options: .init(host: "h")).ingest(path: plain)
        #expect(try store.records(Filter.always, limit: nil).map(\.record) == fromPlain.records(Filter.always, limit: nil).map(\.record))
    }

    @Test(.enabled(if: Environment.has("python3"), "needs python3"))
    func aCorruptByteInAMemberIsAClearError() throws {
        let dir = TempDir()
        let plain = try dir.write("t.log", Self.lines(5000).joined(separator: "\n") + "\n")
        for at in [3, 300_000, 1_000_000] {
            let gz = dir.file("bad-\(at).log.gz")
            #expect(try run("/usr/bin/env", ["python3", "-c", Self.membersScript, plain, gz, String(at)]).status == 0)
            let store = try SQLiteStore(path: dir.file("b-\(at).db"))
            // In the first line the file's identity cannot be read: the ingest fails; later, the lines before count.
            do {
                let r = try FileIngestor(store: store, options: .init(host: "h")).ingest(path: gz)
                #expect(at > 3 && r.error?.code == .corruptCompressed, "byte \(at): \(String(describing: r.error))")
                #expect(r.stored < 5000)
            } catch let e as IngestError {
                #expect(at == 3 && e.code == .corruptCompressed, "byte \(at): \(e)")
            }
        }
        // Bytes after the last member that are not a member.
        let gz = dir.file("trailing.log.gz")
        #expect(try run("/usr/bin/env", ["python3", "-c", Self.membersScript, plain, gz]).status == 0)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: gz))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("not gzip at all\n".utf8))
        try handle.close()
        let store = try SQLiteStore(path: dir.file("t.db"))
        let r = try FileIngestor(store: store, options: .init(host: "h")).ingest(path: gz)
        #expect(r.error?.code == .corruptCompressed)
        #expect(r.stored == 5000)
    }

    /// A member with every optional header field (as `gzip` writes a file's name, and other tools a comment, an
    /// extra field, a header CRC), alone and in every combination; and the same file cut after every byte of its
    /// header: cut short, never corrupt.
    static let headersScript = #"""
        import struct, sys, zlib
        data = open(sys.argv[1], 'rb').read()
        def member(flags):
            h = bytearray(b'\x1f\x8b\x08' + bytes([flags]) + struct.pack('<I', 0) + b'\x00\x03')
            if flags & 4: h += struct.pack('<H', 6) + b'AB\x02\x00xy'
            if flags & 8: h += b'flows-2026-12-03.log\x00'
            if flags & 16: h += b'rotated by logrotate\x00'
            if flags & 2: h += struct.pack('<H', zlib.crc32(bytes(h)) & 0xFFFF)
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            return bytes(h) + c.compress(data) + c.flush() + struct.pack('<II', zlib.crc32(data), len(data))
        flags = int(sys.argv[3])
        out = member(flags)
        if len(sys.argv) > 4: out = out[:int(sys.argv[4])]
        open(sys.argv[2], 'wb').write(out)
        """#

    @Test(.enabled(if: Environment.has("python3"), "needs python3"))
    func everyGzipHeaderFieldIsReadAndACutHeaderIsCutShort() throws {
        let dir = TempDir()
        let plain = try dir.write("t.log", Self.lines(200).joined(separator: "\n") + "\n")
        for flags in [0, 2, 4, 8, 16, 30] {
            let gz = dir.file("h\(flags).log.gz")
            #expect(try run("/usr/bin/env", ["python3", "-c", Self.headersScript, plain, gz, String(flags)]).status == 0)
            let store = try SQLiteStore(path: dir.file("h\(flags).db"))
            let r = try FileIngestor(store: store, options: .init(host: "h")).ingest(path: gz)
            #expect(r.error == nil && r.stored == 200, "flags \(flags): \(String(describing: r.error))")
        }
        for cut in 1..<70 {
            let gz = dir.file("cut\(cut).log.gz")
            #expect(try run("/usr/bin/env", ["python3", "-c", Self.headersScript, plain, gz, "30", String(cut)]).status == 0)
            let store = try SQLiteStore(path: dir.file("cut\(cut).db"))
            var code: IngestError.Code?
            do { code = try FileIngestor(store: store, options: .init(host: "h")).ingest(path: gz).error?.code } catch let e as IngestError { code = e.code }
            #expect(code == .truncatedCompressed, "cut after \(cut) bytes: \(String(describing: code))")
        }
    }

    @Test(.enabled(if: !Environment.isRoot, "root reads every file"))
    func permissionDeniedIsAClearError() throws {
        let dir = TempDir()
        let p = try dir.write("secret.log", "{}\n")
        chmod(p, 0)
        let store = try SQLiteStore(path: dir.file("i.db"))
        #expect(throws: IngestError.self) { try FileIngestor(store: store).ingest(path: p) }
    }

    @Test func unwritableDatabaseIsAClearError() throws {
        let dir = TempDir()
        let path = dir.file("ro.db")
        _ = try SQLiteStore(path: path)
        let store = try SQLiteStore(path: path, readOnly: true)
        let p = try dir.write("a.log", Self.lines(5).joined(separator: "\n") + "\n")
        #expect(throws: StoreError.self) { try FileIngestor(store: store).ingest(path: p) }
    }

    @Test func directoriesAreSearchedInRotationOrder() throws {
        let dir = TempDir()
        try dir.write("n1/flows.log", "{}\n")
        try dir.write("n1/flows-2026-11-23T10-00-00.000.log", "{}\n")
        try dir.write("n1/flows-2026-11-22T10-00-00.000-size.log.zst", "")
        try dir.write("n1/notes.txt", "x")
        let files = try SourceDiscovery.files(in: [dir.path]).map { ($0 as NSString).lastPathComponent }
        #expect(files == ["flows-2026-11-22T10-00-00.000-size.log.zst", "flows-2026-11-23T10-00-00.000.log", "flows.log"])
        #expect(throws: IngestError.self) { try SourceDiscovery.files(in: [dir.file("missing")]) }
    }

    @Test func framerHoldsPartialLinesAndBoundsLongOnes() {
        var framer = LineFramer(maxLineLength: 10)
        var events: [String] = []
        func feed(_ s: String) {
            Array(s.utf8).withUnsafeBufferPointer { b in
                framer.feed(b) { e in
                    switch e {
                    case .line(let bytes, let off, let len): events.append("L\(off):" + String(decoding: bytes, as: UTF8.self) + "/\(len)")
                    case .overlong(_, let off, let len): events.append("O\(off):\(len)")
                    }
                }
            }
        }
        feed("abc\nde")
        feed("f\r\n0123456789ABCDEF")
        feed("GHIJ\nxy\n")
        #expect(events == ["L0:abc/3", "L4:def/4", "O9:20", "L30:xy/2"])
        #expect(framer.pending == 0)
    }
}
