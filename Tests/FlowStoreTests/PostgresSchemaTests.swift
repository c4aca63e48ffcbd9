import FlowLog
import FlowPostgres
import FlowQuery
import FlowStore
import TestSupport
import Testing

/// The PostgreSQL schema's upgrades: a database written by an earlier flowq is brought to the current schema when
/// it is first opened, and answers as before.
@Suite(.disabled(if: TestBackend.postgresMissing, "FLOWQ_TEST_POSTGRES is not set (./dev test starts a server)"))
struct PostgresSchemaTests {
    static let queries = ["dest_port:17", "dest_port < 12 and source_port > 100", "action:deny", ""]

    /// Schema 2 indexed a line's connection alone (`flow_conn`); schema 3 indexes it with the line's id
    /// (`flow_conn_id`), which the limited reads by connection walk; schema 4 keeps the roll-up's first and last
    /// hours (`hour_bounds`), which newest-first reads start from, filled from the roll-up on the upgrade.
    @Test func aSchema2DatabaseGainsTheNewIndexesAndKeepsItsAnswers() throws {
        let url = try TestBackend.newDatabase()
        var before: [String: [StoredRecord]] = [:]
        var newestBefore: [String: [FlowRecord]] = [:]
        do {
            let store = try PostgresBackend(url: url).openWriter()
            var batch: [FlowRecord] = []
            for i in 0..<600 {
                var r = FlowRecord()
                r[.sourceName] = "p\(i)"
                r[.destNamespace] = "app"
                r[.destPort] = Int64(i % 30)
                r[.proto] = "tcp"
                r[.action] = i % 7 == 0 ? "deny" : "allow"
                r[.sourcePort] = Int64(i * 37 % 1000)
                r[.startTime] = 1_800_000_000 + Int64(i)
                r[.endTime] = 1_800_000_060 + Int64(i)
                batch.append(r)
            }
            try store.append(records: batch, host: "n", rejects: [], checkpoint: Checkpoint(fingerprint: "s2", path: "s2", host: "n"))
            for q in Self.queries {
                before[q] = try store.records(try Self.filter(q), limit: 5)
                newestBefore[q] = try store.records(try Self.filter(q), sort: [(Self.startTime, true)], limit: nil, afterID: 0)
                    .prefix(5).map(\.record)
            }
        }
        // Back to schema 2, as that release left it.
        _ = try TestBackend.psqlOutput(url, [
            "DROP INDEX flow_conn_id", "DROP INDEX flow_time", "DROP TABLE hour_bounds", "CREATE INDEX flow_conn ON flow (conn_id)", "DELETE FROM flowq_schema",
            "INSERT INTO flowq_schema (version) VALUES (2)",
        ])
        let store = try PostgresBackend(url: url).openReader()
        let indexes = try TestBackend.psqlOutput(url, ["SELECT indexname FROM pg_indexes WHERE tablename = 'flow' ORDER BY 1"])
        #expect(indexes.split(separator: "\n") == ["flow_conn_id", "flow_id_index", "flow_time"])
        // 1,800,000,000 s is hour 500,000; the last line starts 599 s later.
        #expect(try TestBackend.psqlOutput(url, ["SELECT min(first), max(last) FROM hour_bounds"]) == "500000|500000\n")
        #expect(try TestBackend.psqlOutput(url, ["SELECT max(version) FROM flowq_schema"]) == "4\n")
        for q in Self.queries {
            let after = try store.records(try Self.filter(q), sort: [], limit: 5, afterID: 0)
            #expect(after.map(\.id) == before[q]!.map(\.id), "\(q)")
            let newest = try store.records(try Self.filter(q), sort: [(Self.startTime, true)], limit: 5, afterID: 0)
            #expect(newest.map(\.record) == newestBefore[q]!, "\(q): newest first")
            #expect(after.map(\.record) == before[q]!.map(\.record), "\(q): whole records")
            #expect(after.count == 5, "\(q): every query matches more than 5 lines")
        }
    }

    /// Each batch widens the first and last hours; retention narrows them to what the roll-up keeps.
    @Test func hourBoundsFollowBatchesAndRetention() throws {
        let url = try TestBackend.newDatabase()
        let store = try PostgresBackend(url: url).openWriter()
        func batch(hour: Int64, _ name: String) throws {
            var r = FlowRecord()
            r[.sourceName] = name
            r[.proto] = "tcp"
            r[.startTime] = hour * 3600 + 10
            r[.endTime] = hour * 3600 + 70
            try store.append(records: [r], host: "n", rejects: [], checkpoint: Checkpoint(fingerprint: name, path: name, host: "n"))
        }
        let bounds = { try TestBackend.psqlOutput(url, ["SELECT min(first), max(last) FROM hour_bounds"]) }
        try batch(hour: 500_003, "a")
        #expect(try bounds() == "500003|500003\n")
        try batch(hour: 500_010, "b")
        try batch(hour: 500_001, "c")
        #expect(try bounds() == "500001|500010\n")
        try store.deleteRollups(endedBefore: 500_005 * 3600)
        #expect(try bounds() == "500010|500010\n")
        let newest = try store.records(try Self.filter(""), sort: [(Self.startTime, true)], limit: 2, afterID: 0)
        #expect(newest.map { $0.record[.sourceName] } == ["b", "a"], "the lines stay; only the roll-up went")
    }

    static let startTime = FieldCatalogue.field(named: "start_time")!

    static func filter(_ q: String) throws -> Filter { try FilterBuilder.build(try KQLParser.parse(q), options: .init(now: 0)) }
}
