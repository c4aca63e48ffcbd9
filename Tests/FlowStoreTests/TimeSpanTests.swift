import FlowLog
import FlowQuery
import FlowSample
@testable import FlowSQLite
import FlowStore
import Foundation
import GRDB
import TestSupport
import Testing

/// Time conditions go through `flow_span` (a range of ids per stored batch): the answers must equal a plain
/// filter over every line, also when batches arrive out of time order, lines have no times, and after retention.
@Suite struct TimeSpanTests {
    /// Batches of lines whose times jump back and forth (old rotated files caught up after newer ones).
    static func records() -> [[FlowRecord]] {
        var rng = SplitMix64(seed: 11)
        let bases: [Int64] = [50_000, 10_000, 30_000, 10_000, 90_000, 0]
        return bases.enumerated().map { (b, base) in
            (0..<200).map { i in
                var r = FlowRecord()
                r[.sourceName] = "b\(b)-\(i)"
                if !(b == 5 && i % 3 == 0) {
                    let start = base + Int64(rng.next() % 20_000)
                    r[.startTime] = start
                    r[.endTime] = start + Int64(rng.next() % 600)
                }
                return r
            }
        }
    }

    static func store(_ dir: TempDir) throws -> (SQLiteStore, [FlowRecord]) {
        let store = try SQLiteStore(path: dir.file("t.db"))
        var all: [FlowRecord] = []
        for (i, batch) in records().enumerated() {
            try store.append(records: batch, host: "n", rejects: [], checkpoint: Checkpoint(fingerprint: "t\(i)", path: "t", host: "n"))
            all += batch
        }
        return (store, all)
    }

    static let cases: [(String, @Sendable (Int64?, Int64?) -> Bool)] = [
        ("start_time >= 30000", { s, _ in s.map { $0 >= 30000 } ?? false }),
        ("start_time > 59999", { s, _ in s.map { $0 > 59999 } ?? false }),
        ("start_time < 12000", { s, _ in s.map { $0 < 12000 } ?? false }),
        ("start_time <= 5", { s, _ in s.map { $0 <= 5 } ?? false }),
        ("start_time >= 20000 and start_time < 40000", { s, _ in s.map { $0 >= 20000 && $0 < 40000 } ?? false }),
        ("start_time:[20000 TO 40000]", { s, _ in s.map { $0 >= 20000 && $0 <= 40000 } ?? false }),
        ("end_time > 100000", { _, e in e.map { $0 > 100000 } ?? false }),
        ("start_time < 1000 or end_time > 105000", { s, e in (s.map { $0 < 1000 } ?? false) || (e.map { $0 > 105000 } ?? false) }),
        ("not start_time >= 10000", { s, _ in !(s.map { $0 >= 10000 } ?? false) }),
        ("start_time >= 200000", { _, _ in false }),
        ("start_time:1970-01-01", { s, _ in s.map { $0 < 86400 } ?? false }),
    ]

    @Test func timeConditionsMatchAPlainFilter() throws {
        let dir = TempDir()
        let (store, all) = try Self.store(dir)
        for (query, expected) in Self.cases {
            let syntax: QuerySyntax = query.contains(" TO ") ? .lucene : .kql
            let sql = try FilterBuilder.build(try syntax.parse(query), options: .init(now: 0))
            #expect(store.explain(sql).sql.contains("flow_span"), "\(query)")
            let got = try store.records(sql, limit: nil).compactMap { $0.record[.sourceName] }
            let want = all.filter { expected($0[.startTime], $0[.endTime]) }.compactMap { $0[.sourceName] }
            #expect(got.count == want.count && got == want, "\(query): \(got.count) rows, expected \(want.count)")
        }
    }

    @Test func retentionKeepsSpansExact() throws {
        let dir = TempDir()
        let (store, all) = try Self.store(dir)
        while try store.deleteFlows(startedBefore: 30_000, limit: 70) > 0 {}
        let left = all.filter { $0[.startTime].map { $0 >= 30_000 } ?? true }
        #expect(try store.count(Filter.always) == Int64(left.count))
        let sql = try FilterBuilder.build(try KQLParser.parse("start_time < 60000"), options: .init(now: 0))
        let got = try store.records(sql, limit: nil).compactMap { $0.record[.sourceName] }
        #expect(got == left.filter { $0[.startTime].map { $0 < 60_000 } ?? false }.compactMap { $0[.sourceName] })
        // Spans whose lines were all deleted are gone; the others still cover every line.
        let (spans, uncovered) = try store.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM flow_span")!,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM flow f WHERE NOT EXISTS (SELECT 1 FROM flow_span s WHERE f.id BETWEEN s.first_id AND s.last_id)")!)
        }
        #expect(spans == 4 && uncovered == 0)
    }

    /// A database made by the first release (migration "v1" only) gains spans for its lines on open.
    @Test func migrationAddsSpansToExistingLines() throws {
        let dir = TempDir()
        let path = dir.file("old.db")
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in try db.execute(sql: Schema.v1DDL) }
        let queue = try DatabaseQueue(path: path)
        try migrator.migrate(queue)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO conn (id) VALUES (1)")
            for i in 0..<20_000 {
                try db.execute(sql: "INSERT INTO flow (conn_id, start_time, end_time) VALUES (1, ?, ?)", arguments: [i, i + 300])
            }
        }
        try queue.close()
        let store = try SQLiteStore(path: path)
        let sql = try FilterBuilder.build(try KQLParser.parse("start_time >= 19000 or end_time < 310"), options: .init(now: 0))
        #expect(try store.count(sql) == 1_010)
        let indexes = try store.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'flow'") }
        #expect(indexes == ["flow_conn"])
    }

    /// `--sort start_time:desc --limit N` finds the newest lines through the spans; the answer must be the plain
    /// sort's, ties (by id) and lines without a time included.
    @Test func newestFirstMatchesAPlainSort() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("n.db"))
        var rng = SplitMix64(seed: 3)
        var all: [FlowRecord] = []
        for b in 0..<40 {
            var batch: [FlowRecord] = []
            let base = Int64(rng.next() % 50) * 1000
            for i in 0..<30 {
                var r = FlowRecord()
                r[.sourceName] = "b\(b)-\(i)"
                r[.action] = i % 4 == 0 ? "deny" : "allow"
                if i % 11 != 5 {
                    let start = base + Int64(rng.next() % 5) * 300
                    r[.startTime] = start
                    r[.endTime] = start + 300
                }
                batch.append(r)
            }
            try store.append(records: batch, host: "n", rejects: [], checkpoint: Checkpoint(fingerprint: "n\(b)", path: "n", host: "n"))
            all += batch
        }
        let start = try #require(FieldCatalogue.field(named: "start_time"))
        let end = try #require(FieldCatalogue.field(named: "end_time"))
        for (field, key) in [(start, IntKey.startTime), (end, IntKey.endTime)] {
            for query in ["", "action:deny", "start_time < 20000"] {
                let sql = try FilterBuilder.build(try KQLParser.parse(query), options: .init(now: 0))
                let matching = try Set(store.records(sql, limit: nil).compactMap { $0.record[.sourceName] })
                // Newest first; ties in storage order; lines without a time last.
                let want = all.enumerated().filter { matching.contains($0.element[.sourceName] ?? "") }
                    .sorted { a, b in
                        let x = a.element[key] ?? Int64.min, y = b.element[key] ?? Int64.min
                        return x != y ? x > y : a.offset < b.offset
                    }.compactMap { $0.element[.sourceName] }
                for limit in [1, 7, 100, 333, 1200] {
                    let got = try store.records(sql, sort: [(field, true)], limit: limit).compactMap { $0.record[.sourceName] }
                    #expect(got == Array(want.prefix(limit)), "\(field.name) \(query) limit \(limit)")
                }
            }
        }
    }
}

