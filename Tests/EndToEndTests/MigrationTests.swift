import Foundation
import TestSupport
import Testing

/// A store written by the previous release (schema v3, one trace per order Felix wrote its hits in) is migrated
/// when today's flowq opens it, and every answer equals a fresh ingest of the same lines.
@Suite struct MigrationTests {
    func flowq(_ args: [String], cwd: String) throws -> ProcessResult { try run(CLITests.flowq, args, cwd: cwd) }

    static let fixture = Repo.root.appendingPathComponent("Tests/Fixtures/v3-store")

    func sql(_ db: String, _ query: String) throws -> String {
        try run("/usr/bin/env", ["sqlite3", db, query]).stdout
    }

    @Test(.enabled(if: Environment.has("sqlite3"), "reads the tables with the sqlite3 tool"))
    func oldStoreIsMergedAndKeepsEveryAnswer() throws {
        let dir = TempDir()
        try FileManager.default.copyItem(atPath: Self.fixture.appendingPathComponent("v3.store").path, toPath: dir.file("old.db"))
        let before = try sql(dir.file("old.db"), "SELECT count(*) FROM policy_trace; SELECT count(*) FROM conn")
        #expect(before == "164\n517\n", "the fixture is the previous release's store")
        let lines = Self.fixture.appendingPathComponent("lines").path
        #expect(try flowq(["ingest", lines, "--db", "new.db"], cwd: dir.path).status == 0)

        var answers: [String: [String]] = [:]
        for db in ["old.db", "new.db"] {
            let queries: [[String]] = [
                ["query", "", "--format", "ndjson", "--limit", "1000"],
                ["query", "policies.pending_policies:*deny*", "--count"],
                ["query", "policies:{all_policies: *staged\\:default-deny*} and action: \"allow\"", "--count"],
                ["query", "", "--group-by", "source_name_aggr,dest_name_aggr,dest_port", "--format", "json"],
                ["query", "source_labels.labels:\"app=customer\"", "--count"],
                ["report", "--format", "json"],
            ]
            for q in queries {
                let r = try flowq(q + ["--db", db], cwd: dir.path)
                #expect(r.status == 0 || r.status == 3, "\(q): \(r.stderr)")
                // The report's generation time is the only line that may differ.
                let text = r.stdout.split(separator: "\n").filter { !$0.contains("\"generated") }.joined(separator: "\n")
                answers[db, default: []].append(text)
            }
        }
        #expect(answers["old.db"] == answers["new.db"])
        #expect(answers["new.db"]?.first?.split(separator: "\n").count == 600)
        let tables = "SELECT count(*) FROM policy_trace; SELECT count(*) FROM conn; SELECT count(*) FROM label_set; SELECT sum(lines) FROM conn_hour; SELECT count(*) FROM conn_domains"
        let migrated = try sql(dir.file("old.db"), tables)
        #expect(migrated == (try sql(dir.file("new.db"), tables)))
        #expect(migrated.hasPrefix("37\n130\n"), "\(migrated)")
    }
}
