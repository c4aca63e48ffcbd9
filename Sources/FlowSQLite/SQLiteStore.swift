import FlowLog
import FlowQuery
import FlowStore
import Foundation
import Synchronization
import CSQLiteConfig
import GRDB
import GRDBSQLite

/// The embedded store: one SQLite file (WAL), with dictionary tables for repeated metadata.
///
/// Not thread-safe by itself: one thread at a time may call ``append(records:host:rejects:checkpoint:)``
/// (ingest runs a single writer). Readers in other processes work while it writes (WAL).
public final class SQLiteStore: FlowWriter, RetentionStore, @unchecked Sendable {
    /// The GRDB connection (migrations, reads, and the raw handle for the insert loop).
    public let dbQueue: DatabaseQueue
    public let path: String
    /// The writer's caches, made on the first write (a read-only command never allocates them). Mutated in place
    /// through `_modify`: a `lazy var` has only get and set, so each mutation copied the whole struct and, with it,
    /// every cache dictionary (an O(n) copy per new connection: the writer slowed down as its caches grew).
    private var storedDictionaries: Dictionaries?
    private var dictionaries: Dictionaries {
        get { storedDictionaries ?? Dictionaries() }
        _modify {
            if storedDictionaries == nil { storedDictionaries = Dictionaries() }
            yield &storedDictionaries!
        }
    }
    /// Device and inode of the database file when it was opened.
    private var identity: (device: UInt64, inode: UInt64)?

    /// Set when the process is shutting down: no store waits for a lock any more (SIGTERM is not held up by a
    /// lock another process keeps).
    public static let stopping = Atomic<Bool>(false)

    /// Stops every store's waiting for locks, for the rest of the process.
    public static func stopWaiting() { stopping.store(true, ordering: .relaxed) }

    /// SQLite's process-wide settings, made before its first use (see `flowq_sqlite_configure`): about 4% of the
    /// writer's instructions were mutexes and memory counters.
    private static let configured: Int32 = flowq_sqlite_configure()

    /// Opens (creating and migrating if needed) the store at `path`.
    /// - Parameter readOnly: open for queries only; the file must exist.
    public init(path: String, readOnly: Bool = false) throws(StoreError) {
        _ = Self.configured
        self.path = path
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && isDirectory.boolValue {
            throw StoreError(.cannotOpen, "\(path) is a directory, not a database file (pass --db DIR/flowq.db)")
        }
        if readOnly && !exists {
            throw StoreError(.cannotOpen, "no database at \(path) (run `flowq ingest` first, or pass --db)")
        }
        if !readOnly && exists { try Self.refuseForeign(path) }
        var config = Configuration()
        config.foreignKeysEnabled = false
        config.readonly = readOnly
        // Wait up to 10 s for another process's lock, in 5 ms steps, unless the process is stopping.
        config.busyMode = .callback { tries in
            guard !SQLiteStore.stopping.load(ordering: .relaxed), tries < 2_000 else { return false }
            usleep(5_000)
            return true
        }
        config.prepareDatabase { db in
            if !readOnly {
                // Checkpoint the WAL every 40 MB instead of 4 MB: index pages written by many batches are copied
                // back once, not once per few batches.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                try db.execute(sql: "PRAGMA secure_delete = OFF")
            }
            // 32 MB of page cache for readers and the writer: 64 MB for the writer cost 30 MB of peak RSS and no speed
            // (1M messy lines, alternating 3 rounds: 6.2-6.4 s with 64 MB, 5.5-5.9 s with 32 MB).
            try db.execute(sql: "PRAGMA cache_size = -32768")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Readers use the page cache through read(2): a memory map would count towards the resident set.
            try db.execute(sql: "PRAGMA mmap_size = 0")
            db.add(function: SQLiteStore.ipKeyFunction)
        }
        do {
            if !readOnly { config.journalMode = .wal }
            dbQueue = try DatabaseQueue(path: path, configuration: config)
            if !readOnly {
                try Schema.migrator.migrate(dbQueue)
            } else {
                let applied = try dbQueue.read { db in try Schema.migrator.appliedIdentifiers(db) }
                if applied.isEmpty {
                    throw StoreError(.schema, "\(path) is not a flowq database (schema \(Schema.currentVersion) missing)")
                }
                if !applied.contains(Schema.currentVersion) {
                    // Made by an older flowq: upgrade it once through a writable connection, then read.
                    do {
                        _ = try SQLiteStore(path: path)
                    } catch {
                        throw StoreError(
                            .schema,
                            "\(path) has an older schema (\(applied.sorted().joined(separator: ", "))) and cannot be upgraded to \(Schema.currentVersion): \(error.message)")
                    }
                }
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.from(error, doing: "open \(path)")
        }
        identity = Self.fileIdentity(path)
    }

    private static func fileIdentity(_ path: String) -> (device: UInt64, inode: UInt64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }

    /// Why the path no longer names the file this store opened ("was deleted", "was replaced"), or `nil`. A
    /// writer checks it before each cycle: SQLite keeps writing to a deleted file, where every line is lost.
    public func identityChange() -> String? {
        guard let identity else { return nil }
        guard let now = Self.fileIdentity(path) else { return "was deleted" }
        return now == identity ? nil : "was replaced by another file"
    }

    /// Refuses, untouched, a non-empty file that is not a flowq store: another program's SQLite database (tables
    /// but no flowq migrations) or not SQLite at all. Read through a read-only connection that changes nothing.
    static func refuseForeign(_ path: String) throws(StoreError) {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue, size > 0
        else { return }
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            throw StoreError(.cannotOpen, "\(path) cannot be opened as a database; it was left untouched")
        }
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        let sql = "SELECT count(*), sum(name = 'grdb_migrations') FROM sqlite_master WHERE type = 'table'"
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, sqlite3_step(statement) == SQLITE_ROW else {
            throw StoreError(.schema, "\(path) is not a SQLite database; it was left untouched (pass another --db)")
        }
        let tables = sqlite3_column_int64(statement, 0), ours = sqlite3_column_int64(statement, 1)
        if tables > 0 && ours == 0 {
            throw StoreError(
                .schema, "\(path) is another program's SQLite database (\(tables) tables, none of flowq's); it was left untouched")
        }
    }

    /// `flowq_ip_key(text)`: the sortable 16-byte key of an IP address (NULL if not an address), used by
    /// compiled queries for IP equality, CIDR and ranges.
    static let ipKeyFunction = DatabaseFunction("flowq_ip_key", argumentCount: 1, pure: true) { values in
        guard let text = String.fromDatabaseValue(values[0]), let key = IPAddress.key(text) else { return nil }
        return Data(key)
    }

    /// Lowers how many entries each dictionary cache holds before it is emptied (tests).
    func limitCaches(to entries: Int) {
        dictionaries.limit = entries
    }

    // MARK: Checkpoints

    public func checkpoint(fingerprint: String) throws -> Checkpoint? {
        do {
            return try dbQueue.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT path, host, device, inode, offset, lines, complete FROM source_file WHERE fingerprint = ?",
                    arguments: [fingerprint]
                ).map { row in
                    Checkpoint(
                        fingerprint: fingerprint, path: row[0], host: row[1],
                        device: (row[2] as Int64?).map { UInt64(bitPattern: $0) },
                        inode: (row[3] as Int64?).map { UInt64(bitPattern: $0) }, offset: row[4], lines: row[5],
                        complete: row[6])
                }
            }
        } catch {
            throw StoreError.from(error, doing: "read checkpoint")
        }
    }

    // MARK: Append

    public func append(records: [FlowRecord], host: String?, overridingLines: Bool, rejects: Rejects, checkpoint: Checkpoint) throws {
        var added = Dictionaries.Added()
        do {
            try dbQueue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    let fileID = try upsert(checkpoint, db)
                    if !records.isEmpty {
                        try insert(records, host: host, overridingLines: overridingLines, db, &added)
                    }
                    if !rejects.isEmpty {
                        try insert(rejects, fileID: fileID, db)
                    }
                    return .commit
                }
            }
        } catch {
            // The transaction rolled back: forget the dictionary ids it created.
            dictionaries.forget(added)
            throw StoreError.from(error, doing: "store a batch")
        }
    }

    private func upsert(_ c: Checkpoint, _ db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO source_file (fingerprint, path, host, device, inode, offset, lines, complete, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(fingerprint) DO UPDATE SET path = excluded.path, host = excluded.host,
                    device = excluded.device, inode = excluded.inode, offset = excluded.offset,
                    lines = excluded.lines, complete = excluded.complete, updated_at = excluded.updated_at
                """,
            arguments: [
                c.fingerprint, c.path, c.host, c.device.map { Int64(bitPattern: $0) },
                c.inode.map { Int64(bitPattern: $0) }, c.offset, c.lines, c.complete, Int64(Date().timeIntervalSince1970),
            ])
        return try Int64.fetchOne(db, sql: "SELECT id FROM source_file WHERE fingerprint = ?", arguments: [c.fingerprint])!
    }

    /// Counts every reject by reason and keeps rows only while the file has fewer than
    /// ``Rejects/keptPerReason`` of that reason.
    private func insert(_ rejects: Rejects, fileID: Int64, _ db: Database) throws {
        let now = Int64(Date().timeIntervalSince1970)
        var room: [String: Int64] = [:]
        for (code, n) in rejects.counts {
            let before = try Int64.fetchOne(
                db, sql: "SELECT count FROM reject_count WHERE file_id = ? AND code = ?", arguments: [fileID, code]) ?? 0
            room[code] = max(0, Int64(Rejects.keptPerReason) - before)
            try db.execute(
                sql: """
                    INSERT INTO reject_count (file_id, code, count) VALUES (?, ?, ?)
                    ON CONFLICT(file_id, code) DO UPDATE SET count = count + excluded.count
                    """,
                arguments: [fileID, code, n])
        }
        let stmt = try db.makeStatement(
            sql: "INSERT INTO reject (file_id, path, line, offset, code, reason, raw, raw_length, at) VALUES (?,?,?,?,?,?,?,?,?)")
        for r in rejects.kept {
            guard let left = room[r.code], left > 0 else { continue }
            room[r.code] = left - 1
            try stmt.execute(arguments: [
                fileID, r.path, r.line, r.offset, r.code, r.reason, Data(r.raw), r.rawLength, now,
            ])
        }
    }

    private func insert(
        _ records: [FlowRecord], host: String?, overridingLines: Bool, _ db: Database, _ added: inout Dictionaries.Added
    ) throws {
        // Cached: a statement of 64 rows costs more to compile than a one-row one (its bindings are cleared below).
        let many = records.count >= FlowColumns.rowsPerInsert
            ? try db.cachedStatement(sql: FlowColumns.insertManySQL) : nil
        let one = try db.cachedStatement(sql: FlowColumns.insertOneSQL)
        let hostID = try host.map { try dictionaries.host($0, db, &added) }
        // Records are read in place through a pointer: iterating by value would copy (retain) every field.
        try records.withUnsafeBufferPointer { buffer in
            try insert(buffer, many: many?.sqliteStatement, one: one.sqliteStatement, hostID, overridingLines, db, &added)
        }
    }

    /// Inserts the lines 64 at a time through `many`, the rest one at a time through `one`.
    private func insert(
        _ buffer: UnsafeBufferPointer<FlowRecord>, many: SQLiteStatement?, one: SQLiteStatement, _ hostID: Int64?,
        _ overridingLines: Bool, _ db: Database, _ added: inout Dictionaries.Added
    ) throws {
        let rows = FlowColumns.rowsPerInsert
        let width = Int32(FlowColumns.names.count)
        // Read once: `dictionaries` is a computed property, and reading one of its members copies the whole struct.
        var writer = RowWriter(
            conns: dictionaries.connsByIdentity, many: BoundParameters(count: Int(width) * rows + 1),
            one: BoundParameters(count: Int(width) + 1))
        // A binding outlives `sqlite3_reset`; the statements are cached ones that bound other rows before (those of a
        // batch that failed still point into its freed arena: cleared here, before any step reads them).
        for s in [many, one] { if let s { sqlite3_reset(s); sqlite3_clear_bindings(s) } }
        var i = 0
        while i < buffer.count {
            let n = many != nil && buffer.count - i >= rows ? rows : 1
            let s = n == rows ? many! : one
            sqlite3_reset(s)
            writer.arena.reset()
            for k in 0..<n {
                let record = buffer.baseAddress! + i + k
                let connID: Int64
                if let cached = writer.conns.lookup(record, hostID: hostID, ignoreLineHost: overridingLines) {
                    connID = cached
                } else {
                    connID = try resolveConn(record.pointee, hostID, overridingLines, db, &added)
                    writer.conns.remember(conn: connID, record: record.pointee)
                }
                let domainsID = try record.pointee[.destDomains].map { try dictionaries.domains($0, db, &added) }
                let processArgsID = try record.pointee[.processArgs].map { try dictionaries.stringList($0, db, &added) }
                writer.rollup.add(record, conn: connID, domains: domainsID)
                writer.bind(record, conn: connID, domains: domainsID, processArgs: processArgsID, to: s, at: Int32(k) * width + 1, multi: n == rows)
            }
            let rc = sqlite3_step(s)
            guard rc == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            // The rows of one statement take consecutive new rowids: the largest in the table plus one, each.
            let last = sqlite3_last_insert_rowid(db.sqliteConnection)
            for k in 0..<n {
                let r = buffer.baseAddress! + i + k
                writer.span.add(id: last - Int64(n - 1 - k), start: r.pointee[.startTime], end: r.pointee[.endTime])
            }
            i += n
        }
        // Nothing stays bound to the arena once it is gone (and this use keeps it alive until after the last step);
        // a batch that threw leaves its bindings to the clearing above.
        for s in [many, one] { if let s { sqlite3_clear_bindings(s) } }
        writer.arena.reset()
        try writer.rollup.store(db)
        try writer.span.store(db)
    }

    /// The conn id of a record through the dictionaries (a miss of the identity cache).
    private func resolveConn(
        _ r: FlowRecord, _ hostID: Int64?, _ overridingLines: Bool, _ db: Database,
        _ added: inout Dictionaries.Added
    ) throws -> Int64 {
        let host = overridingLines ? hostID : (try r[.host].map { try dictionaries.host($0, db, &added) } ?? hostID)
        let src = try dictionaries.endpoint(EndpointFields(r, .source), db, &added)
        let dst = try dictionaries.endpoint(EndpointFields(r, .dest), db, &added)
        let service = try dictionaries.service(ServiceFields(r), db, &added)
        let trace = try r.policies.map { try dictionaries.trace($0, db, &added) }
        return try dictionaries.conn(
            .init(
                hostID: host, srcEp: src, dstEp: dst, destPort: r[.destPort], proto: r[.proto], serviceID: service,
                action: r[.action], reporter: r[.reporter], traceID: trace), db, &added)
    }

    // MARK: Retention

    /// Deletes the hourly roll-ups of hours that ended before `cutoff` (with the lines they summarise).
    public func deleteRollups(endedBefore cutoff: Int64) throws {
        do {
            try dbQueue.write { db in
                try db.execute(sql: "DELETE FROM conn_hour WHERE hour < ?", arguments: [cutoff / 3600])
            }
        } catch {
            throw StoreError.from(error, doing: "delete old roll-ups")
        }
    }

    /// Deletes at most `limit` of the oldest flows that started before `cutoff` (Unix seconds), in one short
    /// transaction; returns how many were deleted. Called repeatedly, it never stalls ingest for long.
    public func deleteFlows(startedBefore cutoff: Int64, limit: Int) throws -> Int {
        do {
            return try dbQueue.write { db in
                // Old lines are found by id through the spans (there is no index on start_time). Their sums leave the
                // hourly roll-up in the same transaction, so that answers read from it stay exact at every commit.
                try db.execute(
                    sql: """
                        CREATE TEMP TABLE IF NOT EXISTS doomed (id INTEGER PRIMARY KEY);
                        DELETE FROM doomed;
                        INSERT INTO doomed SELECT id FROM flow
                            WHERE id <= (SELECT ifnull(max(last_id), 0) FROM flow_span WHERE min_start < ?)
                            AND start_time < ? LIMIT ?;
                        """,
                    arguments: [cutoff, cutoff, limit])
                try db.execute(
                    sql: """
                        UPDATE conn_hour AS ch SET lines = ch.lines - d.lines, flows = ch.flows - d.flows,
                            bytes = ch.bytes - d.bytes, packets = ch.packets - d.packets
                        FROM (\(Rollup.sumsOfLines(where: "f.id IN (SELECT id FROM doomed)"))) AS d WHERE \(Rollup.sameKey);
                        DELETE FROM conn_hour WHERE lines <= 0;
                        DELETE FROM flow WHERE id IN (SELECT id FROM doomed);
                        """)
                let deleted = db.changesCount
                try db.execute(
                    sql: """
                        DELETE FROM flow_span WHERE max_start < ?
                            AND NOT EXISTS (SELECT 1 FROM flow WHERE id BETWEEN first_id AND last_id)
                        """,
                    arguments: [cutoff])
                return deleted
            }
        } catch {
            throw StoreError.from(error, doing: "delete old flows")
        }
    }

    // MARK: Reads

    /// Runs `body` in a read transaction.
    /// Stops the statement running on this store (from another thread): it fails with SQLite's interrupt error.
    public func interrupt() { dbQueue.interrupt() }

    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try dbQueue.read(body)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.from(error, doing: "read")
        }
    }
}

/// `SQLITE_TRANSIENT` (a C macro, not imported).
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension StoreError {
    /// Maps a GRDB/SQLite error to a store error with a clear message.
    static func from(_ error: any Error, doing what: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? DatabaseError {
            let msg = "cannot \(what): \(e.message ?? "SQLite error \(e.resultCode)")"
            switch e.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: return StoreError(.busy, msg + " (database is locked)")
            case .SQLITE_FULL: return StoreError(.diskFull, msg + " (disk full)")
            case .SQLITE_READONLY: return StoreError(.readOnly, msg + " (database is read-only)")
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH: return StoreError(.cannotOpen, msg)
            default: return StoreError(.sqlite, msg)
            }
        }
        return StoreError(.sqlite, "cannot \(what): \(error)")
    }
}
