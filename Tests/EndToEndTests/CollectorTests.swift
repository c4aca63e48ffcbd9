import Foundation
import TestSupport
import Testing

/// The collector as it runs in production: the real binary, real files, real signals.
@Suite(.serialized, .enabled(if: Environment.has("sqlite3"), "the collector tests read the store with the sqlite3 tool"))
struct CollectorTests {
    static let flowq = CLITests.flowq

    /// Lines with a unique `seq` key, so that "exactly once" can be checked.
    static func lines(_ n: Int, in dir: TempDir) throws -> [String] {
        let r = try run(flowq, ["sample", "--lines", String(n), "--era", "v2", "--out", dir.file("src/flows.log")])
        precondition(r.status == 0)
        let text = try String(contentsOfFile: dir.file("src/flows.log"), encoding: .utf8)
        return text.split(separator: "\n").enumerated().map { i, l in "{\"seq\":\(i)," + l.dropFirst() }
    }

    static func start(_ args: [String], log: String) throws -> Process {
        try launch(flowq, ["collect", "--poll-ms", "50"] + args, log: log)
    }

    /// Runs `executable` with its output appended to `log`.
    static func launch(_ executable: String, _ arguments: [String], log: String, environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        h.seekToEndOfFile()
        p.standardOutput = h
        p.standardError = h
        try p.run()
        return p
    }

    /// What a failed exactly-once check needs to be understood: counts, rejects, checkpoints, the log's tail.
    static func diagnosis(_ db: String, log: String, running: Bool) -> String {
        let queries = [
            "SELECT count(*), count(DISTINCT json_extract(extra, '$.seq')) FROM flow",
            "SELECT code, count(*) FROM reject GROUP BY code",
            "SELECT path, offset, lines, complete FROM source_file ORDER BY id",
        ]
        let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(15)
        return (["collector running: \(running)"] + queries.map { "\($0):\n\(sql(db, $0))" } + ["log:"] + tail.map(String.init))
            .joined(separator: "\n")
    }

    static func sql(_ db: String, _ query: String) -> String {
        (try? run("/usr/bin/env", ["sqlite3", db, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? ""
    }

    /// A watched directory `name` whose `flows.log` holds `lines`; returns the directory and the file.
    static func watched(_ name: String, _ lines: ArraySlice<String>, in dir: TempDir) throws -> (logs: String, active: String) {
        let logs = dir.file(name)
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let active = (logs as NSString).appendingPathComponent("flows.log")
        try (lines.joined(separator: "\n") + "\n").write(toFile: active, atomically: true, encoding: .utf8)
        return (logs, active)
    }

    /// Appends `lines` to a file, as Felix does.
    static func append(_ lines: ArraySlice<String>, to path: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try h.close()
    }

    /// Another process (python3's sqlite3) holding the write lock of `db` for `seconds`; returns once it holds it.
    static func holdLock(_ db: String, seconds: Int) throws -> Process {
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        locker.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute('BEGIN EXCLUSIVE')
            print('locked', flush=True)
            time.sleep(int(sys.argv[2]))
            c.execute('COMMIT')
            """, db, String(seconds)]
        let out = Pipe()
        locker.standardOutput = out
        try locker.run()
        _ = out.fileHandleForReading.availableData  // wait for "locked"
        return locker
    }

    /// Waits until `sql` answers `expected`, up to `seconds`.
    static func wait(_ db: String, _ query: String, _ expected: String, seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if sql(db, query) == expected { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// Appends lines like Felix, renaming flows.log every `rotateEvery` lines (timberjack names) and
    /// compressing the previous rotated file to .zst (then deleting it) as timberjack does in the background.
    static func write(_ lines: [String], to dir: String, rotateEvery: Int, pause: (Int) -> Void = { _ in }) throws {
        let active = (dir as NSString).appendingPathComponent("flows.log")
        var handle: FileHandle? = nil
        var rotated: [String] = []
        var ts = 0
        for (i, line) in lines.enumerated() {
            if handle == nil {
                _ = FileManager.default.createFile(atPath: active, contents: nil)
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: active))
            }
            handle!.write(Data((line + "\n").utf8))
            if (i + 1) % rotateEvery == 0 {
                try handle!.close()
                handle = nil
                ts += 1
                let name = (dir as NSString).appendingPathComponent(String(format: "flows-2026-11-25T10-%02d-%02d.000-size.log", ts / 60, ts % 60))
                try FileManager.default.moveItem(atPath: active, toPath: name)
                if let previous = rotated.popLast() {
                    _ = try run("/usr/bin/env", ["zstd", "-q", "--rm", previous])
                }
                rotated.append(name)
            }
            pause(i)
        }
        try handle?.close()
    }

    @Test(.enabled(if: Environment.has("zstd"), "needs the zstd tool"))
    func rotationStormStoresEveryLineOnce() throws {
        let dir = TempDir()
        let lines = try Self.lines(100_000, in: dir)
        let logs = dir.file("node-a")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let db = dir.file("c.db")
        let p = try Self.start(["--watch", logs, "--db", db], log: dir.file("c.log"))
        defer { p.terminate() }
        try Self.write(lines, to: logs, rotateEvery: 1000)
        let ok = Self.wait(db, "SELECT count(*) FROM flow", "100000", seconds: 240)
        #expect(ok, "\(Self.diagnosis(db, log: dir.file("c.log"), running: p.isRunning))")
        #expect(Self.sql(db, "SELECT count(DISTINCT json_extract(extra, '$.seq')) FROM flow") == "100000")
        #expect(Self.sql(db, "SELECT count(*) FROM reject") == "0")
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    @Test(.enabled(if: Environment.has("zstd"), "needs the zstd tool"))
    func crashLoopStoresEveryLineOnce() throws {
        let dir = TempDir()
        let lines = try Self.lines(30_000, in: dir)
        let logs = dir.file("node-b")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let db = dir.file("k.db")
        let done = DispatchSemaphore(value: 0)
        let writer = Thread {
            try? Self.write(lines, to: logs, rotateEvery: 1000) { i in if i % 500 == 0 { Thread.sleep(forTimeInterval: 0.02) } }
            done.signal()
        }
        writer.start()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let p = try Self.start(["--watch", logs, "--db", db], log: dir.file("k.log"))
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.6, using: &rng))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        done.wait()
        let p = try Self.start(["--watch", logs, "--db", db], log: dir.file("k.log"))
        defer { p.terminate() }
        let ok = Self.wait(db, "SELECT count(*) FROM flow", "30000", seconds: 180)
        #expect(ok, "\(Self.diagnosis(db, log: dir.file("k.log"), running: p.isRunning))")
        #expect(Self.sql(db, "SELECT count(DISTINCT json_extract(extra, '$.seq')) FROM flow") == "30000")
    }

    @Test(.enabled(if: Environment.has("gzip"), "needs the gzip tool"))
    func truncationDeletionReplacementBadArchivesAndHugeLines() throws {
        let dir = TempDir()
        let lines = try Self.lines(400, in: dir)
        let logs = dir.file("node-c")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let db = dir.file("e.db")
        let log = dir.file("e.log")
        let active = (logs as NSString).appendingPathComponent("flows.log")
        let p = try Self.start(["--watch", logs, "--db", db, "--max-line-length", "1048576"], log: log)
        defer { p.terminate() }
        let count = "SELECT count(*) FROM flow"
        try (lines[0..<100].joined(separator: "\n") + "\n").write(toFile: active, atomically: false, encoding: .utf8)
        #expect(Self.wait(db, count, "100", seconds: 30))
        // copytruncate: the same file, emptied and rewritten.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: active))
        try h.truncate(atOffset: 0)
        h.write(Data((lines[100..<150].joined(separator: "\n") + "\n").utf8))
        try h.close()
        #expect(Self.wait(db, count, "150", seconds: 30))
        // Deleted, then a new file with the same name.
        try FileManager.default.removeItem(atPath: active)
        Thread.sleep(forTimeInterval: 0.3)
        try (lines[150..<180].joined(separator: "\n") + "\n").write(toFile: active, atomically: true, encoding: .utf8)
        #expect(Self.wait(db, count, "180", seconds: 30))
        // A 50 MB line between good lines: rejected with a reason, never buffered whole.
        let huge = "{\"x\":\"" + String(repeating: "y", count: 50 << 20) + "\"}"
        let h2 = try FileHandle(forWritingTo: URL(fileURLWithPath: active))
        h2.seekToEndOfFile()
        h2.write(Data((huge + "\n" + lines[180] + "\n").utf8))
        try h2.close()
        #expect(Self.wait(db, count, "181", seconds: 60))
        #expect(Self.wait(db, "SELECT code FROM reject", "line_too_long", seconds: 10))
        // A .gz cut short: its good lines are stored, and the log says what is wrong.
        let plain = dir.file("cut.log")
        try (lines[200..<400].joined(separator: "\n") + "\n").write(toFile: plain, atomically: true, encoding: .utf8)
        _ = try run("/usr/bin/env", ["gzip", plain])
        let gz = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz"))
        try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: (logs as NSString).appendingPathComponent("flows-2026-11-25T09-00-00.000.log.gz")))
        Thread.sleep(forTimeInterval: 2)
        let stored = Int(Self.sql(db, count)) ?? 0
        #expect(stored > 181 && stored < 381)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("cut short"))
        #expect(!text.contains("Fatal error"))
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    /// An unreadable rotated file and an unreadable watched directory: a clear log line each, the readable files
    /// are stored meanwhile, and once readable everything is stored exactly once. As root (which reads anything)
    /// the collector runs as `nobody` through setpriv, from a copy of the binary that user can execute.
    @Test(.enabled(if: !Environment.isRoot || Environment.has("setpriv"), "as root it needs util-linux's setpriv"))
    func permissionDeniedIsLoggedRetriedAndRecovered() throws {
        let dir = TempDir()
        let lines = try Self.lines(300, in: dir)
        let fm = FileManager.default
        try fm.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir.path)
        let logs = dir.file("node-p")
        let locked = dir.file("node-q")
        for d in [logs, locked] {
            try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
            try fm.setAttributes([.posixPermissions: 0o777], ofItemAtPath: d)
        }
        let rotated = (logs as NSString).appendingPathComponent("flows-2026-11-25T08-00-00.000.log")
        try (lines[0..<50].joined(separator: "\n") + "\n").write(toFile: rotated, atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o000], ofItemAtPath: rotated)
        let active = (logs as NSString).appendingPathComponent("flows.log")
        try (lines[50..<150].joined(separator: "\n") + "\n").write(toFile: active, atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: active)
        let other = (locked as NSString).appendingPathComponent("flows.log")
        try (lines[150..<300].joined(separator: "\n") + "\n").write(toFile: other, atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: other)
        try fm.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked)
        let db = dir.file("p.db")
        let log = dir.file("p.log")
        let args = ["collect", "--poll-ms", "50", "--watch", "\(logs)=node-p", "--watch", "\(locked)=node-q", "--db", db]
        let p: Process
        if getuid() == 0 {
            let copy = dir.file("flowq")
            try fm.copyItem(atPath: Self.flowq, toPath: copy)
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
            p = try Self.launch("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", copy] + args, log: log)
        } else {
            p = try Self.launch(Self.flowq, args, log: log)
        }
        defer { p.terminate() }
        // The collector (another user) creates the database and its WAL files: querying before would create them
        // as root.
        let created = Date().addingTimeInterval(30)
        while !(fm.fileExists(atPath: db + "-wal") && fm.fileExists(atPath: db + "-shm")), Date() < created {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let count = "SELECT count(*) FROM flow"
        #expect(Self.wait(db, count, "100", seconds: 30))
        Thread.sleep(forTimeInterval: 0.5)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("permission denied"))
        #expect(text.contains("cannot read the watched directory"))
        #expect(Self.sql(db, count) == "100")
        try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: rotated)
        try fm.setAttributes([.posixPermissions: 0o777], ofItemAtPath: locked)
        // The file waits out its 5 s backoff; the directory is listed again at the next poll.
        #expect(Self.wait(db, count, "300", seconds: 30))
        #expect(Self.sql(db, "SELECT count(DISTINCT json_extract(extra, '$.seq')) FROM flow") == "300")
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(!(try String(contentsOfFile: log, encoding: .utf8)).contains("Fatal error"))
    }

    /// A store that cannot grow (a file-size limit on the collector, as a full disk would): the batch fails, the
    /// log says so, nothing is checkpointed; once the limit is lifted the collector resumes and stores every line
    /// once. (The limit makes `write` fail with EFBIG, which SQLite reports as an I/O error; ENOSPC on a really
    /// full disk is SQLITE_FULL, logged as "disk full"; both take the same path: backoff, store reopened, retry.)
    @Test(.enabled(if: Environment.has("prlimit"), "needs util-linux's prlimit"))
    func storeThatCannotGrowIsRetriedAndNothingIsLost() throws {
        let dir = TempDir()
        let lines = try Self.lines(6000, in: dir)
        let logs = dir.file("node-f")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: (logs as NSString).appendingPathComponent("flows.log"), atomically: true, encoding: .utf8)
        let db = dir.file("f.db")
        let log = dir.file("f.log")
        // SIGXFSZ ignored (kept across exec), so writes past the soft limit (2048 blocks of 512 bytes) fail instead.
        let p = try Self.launch(
            "/bin/sh",
            ["-c", "trap '' XFSZ; ulimit -S -f 2048; exec \"$0\" \"$@\"", Self.flowq, "collect", "--poll-ms", "50",
             "--watch", "\(logs)=node-f", "--db", db], log: log)
        defer { p.terminate() }
        let end = Date().addingTimeInterval(30)
        while Date() < end, !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("cannot store") {
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("cannot store"))
        #expect(Self.sql(db, "SELECT count(*) FROM flow") == "0")
        #expect(Self.sql(db, "SELECT count(*) FROM source_file") == "0")
        #expect(p.isRunning)
        _ = try run("/usr/bin/env", ["prlimit", "--pid", String(p.processIdentifier), "--fsize=unlimited:"])
        #expect(Self.wait(db, "SELECT count(*) FROM flow", "6000", seconds: 60))
        #expect(Self.sql(db, "SELECT count(DISTINCT json_extract(extra, '$.seq')) FROM flow") == "6000")
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    /// A really full disk: the database on a 2 MB tmpfs (needs root to mount; elsewhere the file-size-limit test
    /// above covers the same path). "disk full" is logged, nothing is lost; after the filesystem grows, every line
    /// is stored once.
    @Test(.enabled(if: Environment.isRoot, "mounting a small tmpfs needs root; the file-size-limit test covers the path"))
    func fullDiskIsLoggedAndResumed() throws {
        let dir = TempDir()
        let mnt = dir.file("small")
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        try #require(try run("/usr/bin/env", ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt]).status == 0, "cannot mount a tmpfs")
        defer { _ = try? run("/usr/bin/env", ["umount", "-l", mnt]) }
        let lines = try Self.lines(20_000, in: dir)
        let logs = dir.file("node-g")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: (logs as NSString).appendingPathComponent("flows.log"), atomically: true, encoding: .utf8)
        let db = (mnt as NSString).appendingPathComponent("g.db")
        let log = dir.file("g.log")
        let p = try Self.start(["--watch", "\(logs)=node-g", "--db", db], log: log)
        defer { p.terminate() }
        let end = Date().addingTimeInterval(60)
        while Date() < end, !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("disk full") {
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("disk full"))
        #expect(p.isRunning)
        #expect((Int(Self.sql(db, "SELECT count(*) FROM flow")) ?? 0) < 20_000)
        #expect(try run("/usr/bin/env", ["mount", "-o", "remount,size=64m", mnt]).status == 0)
        #expect(Self.wait(db, "SELECT count(*) FROM flow", "20000", seconds: 60), "\(Self.diagnosis(db, log: log, running: p.isRunning))")
        #expect(Self.sql(db, "SELECT count(DISTINCT json_extract(extra, '$.seq')) FROM flow") == "20000")
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    @Test(.enabled(if: Environment.has("curl"), "needs curl"))
    func metricsHealthAndGracefulShutdown() throws {
        let dir = TempDir()
        let lines = try Self.lines(500, in: dir)
        let logs = dir.file("node-d")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let active = (logs as NSString).appendingPathComponent("flows.log")
        try (lines.joined(separator: "\n") + "\n").write(toFile: active, atomically: true, encoding: .utf8)
        let db = dir.file("m.db")
        let port = Int.random(in: 20_000...40_000)
        let p = try Self.start(
            ["--watch", "\(logs)=node-d", "--db", db, "--metrics-port", String(port), "--metrics-address", "127.0.0.1",
             "--report-every", "1h", "--report-dir", dir.file("reports"), "--min-window", "0h"], log: dir.file("m.log"))
        #expect(Self.wait(db, "SELECT count(*) FROM flow", "500", seconds: 30))
        func get(_ path: String) throws -> ProcessResult {
            try run("/usr/bin/env", ["curl", "-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"])
        }
        var metrics = try get("/metrics")
        for _ in 0..<20 where !metrics.stdout.contains("flowq_lines_stored_total") {
            Thread.sleep(forTimeInterval: 0.2)
            metrics = try get("/metrics")
        }
        #expect(metrics.stdout.contains("flowq_lines_stored_total{file=\"\(active)\"} 500"))
        #expect(metrics.stdout.contains("flowq_last_checkpoint_timestamp_seconds"))
        #expect(try get("/healthz").stdout.hasSuffix("200"))
        #expect(try get("/readyz").stdout.hasSuffix("200"))
        #expect(try get("/nope").stdout.hasSuffix("404"))
        // Every byte stored: nothing behind, also on the polls that find the file unchanged.
        Thread.sleep(forTimeInterval: 0.3)
        let behind = try get("/metrics").stdout
        #expect(behind.contains("flowq_bytes_behind{file=\"\(active)\"} 0"), "\(behind)")
        // A scheduled report with a `latest` copy, and its counts as metrics.
        #expect(FileManager.default.fileExists(atPath: dir.file("reports/latest.json")))
        #expect(try get("/metrics").stdout.contains("flowq_report_connections"))
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let size = try FileManager.default.attributesOfItem(atPath: active)[.size] as! NSNumber
        #expect(Self.sql(db, "SELECT offset FROM source_file") == "\(size.int64Value)")
        #expect(Self.sql(db, "SELECT DISTINCT name FROM host") == "node-d")
    }

    @Test func retentionDeletesOldFlowsInChunks() throws {
        let dir = TempDir()
        let logs = dir.file("node-r")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        // 12,000 lines from 2001 and 300 from now: the old ones go, the new ones stay.
        _ = try run(Self.flowq, ["sample", "--lines", "12000", "--start", "1000000000", "--hours", "2", "--out", dir.file("old.log")])
        let now = Int(Date().timeIntervalSince1970) - 600
        _ = try run(Self.flowq, ["sample", "--lines", "300", "--seed", "2", "--start", String(now), "--hours", "0", "--out", dir.file("new.log")])
        let text = try String(contentsOfFile: dir.file("old.log"), encoding: .utf8) + String(contentsOfFile: dir.file("new.log"), encoding: .utf8)
        try text.write(toFile: (logs as NSString).appendingPathComponent("flows.log"), atomically: true, encoding: .utf8)
        let db = dir.file("r.db")
        let p = try Self.start(["--watch", logs, "--db", db, "--retain", "7d"], log: dir.file("r.log"))
        defer { p.terminate() }
        #expect(Self.wait(db, "SELECT count(*) FROM flow", "300", seconds: 90), "left: \(Self.sql(db, "SELECT count(*) FROM flow"))")
        #expect(Self.wait(db, "SELECT sum(lines) FROM conn_hour", "300", seconds: 30))
        let log = try String(contentsOfFile: dir.file("r.log"), encoding: .utf8)
        #expect(log.contains("retention deleted old flows"))
    }

    @Test(.enabled(if: Environment.has("python3"), "holds the lock from python3"))
    func lockedDatabaseIsLoggedRetriedAndNothingIsLost() throws {
        let dir = TempDir()
        let lines = try Self.lines(200, in: dir)
        let (logs, active) = try Self.watched("node-l", lines[0..<100], in: dir)
        let db = dir.file("l.db")
        let log = dir.file("l.log")
        let p = try Self.start(["--watch", logs, "--db", db], log: log)
        defer { p.terminate() }
        #expect(Self.wait(db, "SELECT count(*) FROM flow", "100", seconds: 30))
        // Another process holds the write lock for longer than the store's busy timeout (10 s).
        let locker = try Self.holdLock(db, seconds: 23)
        try Self.append(lines[100..<200], to: active)
        locker.waitUntilExit()
        #expect(Self.wait(db, "SELECT count(*) FROM flow", "200", seconds: 60))
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("locked"), "\(text)")
        #expect(text.contains("nothing is lost"))
        // Two failed attempts (10 s busy timeout each) are logged once, and the recovery once.
        #expect(text.components(separatedBy: "[store.busy]").count - 1 == 2, "\(text)")  // the error, then the recovery
        #expect(text.components(separatedBy: "store recovered").count - 1 == 1, "\(text)")
    }

    /// SIGTERM ends the collector within 5 s even while the store is locked and it waits or backs off.
    @Test(.enabled(if: Environment.has("python3"), "holds the lock from python3"))
    func sigtermWhileTheStoreIsLockedEndsWithinFiveSeconds() throws {
        let dir = TempDir()
        let lines = try Self.lines(200, in: dir)
        let (logs, active) = try Self.watched("node-t", lines[0..<100], in: dir)
        let db = dir.file("t.db")
        let p = try Self.start(["--watch", logs, "--db", db], log: dir.file("t.log"))
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        #expect(Self.wait(db, "SELECT count(*) FROM flow", "100", seconds: 30))
        let locker = try Self.holdLock(db, seconds: 16)
        defer { locker.terminate() }
        try Self.append(lines[100..<200], to: active)
        for pause in [1.5, 11.0] {
            // Inside SQLite's busy wait (1.5 s in), and in the backoff after a failed attempt (12 s in).
            let q = pause == 1.5 ? p : try Self.start(["--watch", logs, "--db", db], log: dir.file("t2.log"))
            defer { if q.isRunning { kill(q.processIdentifier, SIGKILL) } }
            Thread.sleep(forTimeInterval: pause)
            kill(q.processIdentifier, SIGTERM)
            let start = Date()
            while q.isRunning && Date().timeIntervalSince(start) < 15 { Thread.sleep(forTimeInterval: 0.05) }
            #expect(!q.isRunning && Date().timeIntervalSince(start) < 5, "\(pause) s in: \(Date().timeIntervalSince(start)) s")
        }
        locker.terminate()
        locker.waitUntilExit()
        // Nothing was lost: a new run stores the rest.
        let r = try Self.start(["--watch", logs, "--db", db], log: dir.file("t3.log"))
        defer { r.terminate() }
        #expect(Self.wait(db, "SELECT count(*) FROM flow", "200", seconds: 30))
    }

    /// The database deleted under a running collector: noticed, logged, not ready, and not created again behind the
    /// operator's back (SQLite would otherwise go on writing into the unlinked file); after a restart a new store gets
    /// every line still in the files, once.
    @Test(.enabled(if: Environment.has("curl"), "reads /readyz with curl"))
    func deletedDatabaseIsNoticedAndNotReady() throws {
        let dir = TempDir()
        let lines = try Self.lines(300, in: dir)
        let (logs, active) = try Self.watched("node-x", lines[0..<200], in: dir)
        let db = dir.file("x.db")
        let log = dir.file("x.log")
        let port = Int.random(in: 20_000...40_000)
        let args = ["--watch", logs, "--db", db, "--metrics-port", String(port), "--metrics-address", "127.0.0.1"]
        var p = try Self.start(args, log: log)
        defer { p.terminate() }
        #expect(Self.wait(db, "SELECT count(*) FROM flow", "200", seconds: 30))
        func ready() throws -> String {
            try run("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/readyz"]).stdout
        }
        #expect(try ready() == "200")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        try Self.append(lines[200..<300], to: active)
        var status = ""
        for _ in 0..<50 where status != "503" {
            Thread.sleep(forTimeInterval: 0.1)
            status = try ready()
        }
        #expect(status == "503")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try ready() == "503", "still not ready: nothing is stored into a database nobody asked for")
        #expect(!FileManager.default.fileExists(atPath: db), "the deleted database is not created again")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("the database file was deleted"), "\(text)")
        // A restart starts a new store, which reads the files still on disk from their start.
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        p = try Self.start(args, log: log)
        #expect(Self.wait(db, "SELECT count(*), count(DISTINCT json_extract(extra, '$.seq')) FROM flow", "300|300", seconds: 30),
                "\(Self.diagnosis(db, log: log, running: p.isRunning))")
    }
}
