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
    /// (`flow_conn_id`), which the limited reads by connection walk.
    @Test func aSchema2DatabaseGainsTheConnectionAndIDIndexAndKeepsItsAnswers() throws {
        let url = try TestBackend.newDatabase()
        var before: [String: [StoredRecord]] = [:]
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
            for q in Self.queries { before[q] = try store.records(try Self.filter(q), limit: 5) }
        }
        // Back to schema 2, as that release left it.
        _ = try TestBackend.psqlOutput(url, [
            "DROP INDEX flow_conn_id", "DROP INDEX flow_time", "CREATE INDEX flow_conn ON flow (conn_id)", "DELETE FROM flowq_schema",
            "INSERT INTO flowq_schema (version) VALUES (2)",
        ])
        let store = try PostgresBackend(url: url).openReader()
        let indexes = try TestBackend.psqlOutput(url, ["SELECT indexname FROM pg_indexes WHERE tablename = 'flow' ORDER BY 1"])
        #expect(indexes.split(separator: "\n") == ["flow_conn_id", "flow_id_index", "flow_time"])
        #expect(try TestBackend.psqlOutput(url, ["SELECT max(version) FROM flowq_schema"]) == "3\n")
        for q in Self.queries {
            let after = try store.records(try Self.filter(q), sort: [], limit: 5, afterID: 0)
            #expect(after.map(\.id) == before[q]!.map(\.id), "\(q)")
            #expect(after.map(\.record) == before[q]!.map(\.record), "\(q): whole records")
            #expect(after.count == 5, "\(q): every query matches more than 5 lines")
        }
    }

    static func filter(_ q: String) throws -> Filter { try FilterBuilder.build(try KQLParser.parse(q), options: .init(now: 0)) }
}
