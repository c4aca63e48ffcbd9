import Foundation
import TestSupport
import Testing

/// Runs the built `flowq` binary, as a user would.
@Suite(.serialized) struct CLITests {
    /// The `flowq` executable next to the test bundle.
    static let flowq: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var dir = bundle
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("flowq").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL.appendingPathComponent("flowq").path
    }()

    func flowq(_ args: String..., cwd: String) throws -> ProcessResult { try run(Self.flowq, args, cwd: cwd) }

    @Test func sampleIngestQueryExplain() throws {
        let dir = TempDir()
        let s = try flowq("sample", "--lines", "3000", "--era", "v1-a", "--out", "logs", cwd: dir.path)
        #expect(s.status == 0)
        let i = try flowq("ingest", "logs", "--db", "f.db", cwd: dir.path)
        #expect(i.status == 0, "\(i.stderr)")
        #expect(i.stdout.contains("3000 lines read, 3000 stored, 0 rejected"))
        let again = try flowq("ingest", "logs", "--db", "f.db", cwd: dir.path)
        #expect(again.stdout.contains("0 stored"))
        // The seed's query, in both written forms, gives the same count.
        let nested = try flowq("query", #"policies:{all_policies: *staged\:default-deny*} and action: "allow""#, "--db", "f.db", "--count", cwd: dir.path)
        let dotted = try flowq("query", "policies.all_policies:*staged:default-deny* and action:allow", "--db", "f.db", "--count", cwd: dir.path)
        #expect(nested.status == 0 && dotted.status == 0)
        let n = Int(nested.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(n > 0)
        #expect(nested.stdout == dotted.stdout)
        // NDJSON rows have the flow-log shape and can be ingested again.
        let nd = try flowq("query", "action:deny", "--db", "f.db", "--format", "ndjson", "--limit", "0", cwd: dir.path)
        let rows = nd.stdout.split(separator: "\n")
        #expect(!rows.isEmpty && rows.allSatisfy { $0.hasPrefix("{\"start_time\":") })
        try nd.stdout.write(toFile: dir.file("again.jsonl"), atomically: true, encoding: .utf8)
        let re = try flowq("ingest", "again.jsonl", "--db", "g.db", "--strict", cwd: dir.path)
        #expect(re.status == 0 && re.stdout.contains("\(rows.count) stored"))
        // Grouping and CSV.
        let g = try flowq("query", "", "--db", "f.db", "--group-by", "action", "--format", "csv", cwd: dir.path)
        #expect(g.stdout.hasPrefix("action,lines,num_flows,bytes,packets\n"))
        let csv = try flowq("query", "dest_port:443", "--db", "f.db", "--fields", "dest_port,proto", "--format", "csv", "--limit", "2", cwd: dir.path)
        #expect(csv.stdout == "dest_port,proto\n443,tcp\n443,tcp\n")
    }

    @Test func queryErrorsShowOffsetAndCaretAndExit2() throws {
        let dir = TempDir()
        let e = try flowq("explain", "response:200 or ", cwd: dir.path)
        #expect(e.status == 2)
        #expect(e.stderr.contains("at offset 16"))
        #expect(e.stderr.contains("^"))
        let j = try flowq("explain", "--json", "a:(", cwd: dir.path)
        #expect(j.status == 2 && j.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"error":true}"#)
        let ok = try flowq("explain", "--json", #"policies:{all_policies: *staged\:default-deny*} and action: "allow""#, cwd: dir.path)
        #expect(ok.stdout.hasPrefix(#"{"op":"and","args":[{"op":"nested""#))
        let unknown = try flowq("explain", "dest_namespac:x", cwd: dir.path)
        #expect(unknown.status == 2 && unknown.stderr.contains("did you mean dest_namespace"))
        let noDB = try flowq("query", "x", "--db", "missing.db", cwd: dir.path)
        #expect(noDB.status == 2 && noDB.stderr.contains("no database"))
    }

    @Test func strictIngestFailsOnRejectsAndMissingFilesAreErrors() throws {
        let dir = TempDir()
        try dir.write("bad.log", "{\"start_time\":1}\nnot json\n")
        let r = try flowq("ingest", "bad.log", "--db", "b.db", "--strict", "--host", "n", cwd: dir.path)
        #expect(r.status == 1 && r.stdout.contains("1 rejected"))
        let m = try flowq("ingest", "nothing-here.log", "--db", "b.db", cwd: dir.path)
        #expect(m.status == 2 && m.stderr.contains("no such file"))
        #expect(!m.stderr.contains("Fatal error"))
    }

    @Test func fieldsListsTypesAndAliases() throws {
        let dir = TempDir()
        let f = try flowq("fields", "--json", cwd: dir.path)
        #expect(f.status == 0)
        #expect(f.stdout.contains(#""name":"dest_port","type":"number","aliases":["dest_port_num","destination.port"]"#))
    }
}
