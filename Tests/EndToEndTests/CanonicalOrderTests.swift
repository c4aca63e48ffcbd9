import Foundation
import TestSupport
import Testing

/// Felix writes policy hits, domains and labels in map order: the same lines with their lists shuffled (the messy
/// copy) give the same store rows and the same answers as the tidy copy.
@Suite struct CanonicalOrderTests {
    func flowq(_ args: [String], cwd: String) throws -> ProcessResult { try run(CLITests.flowq, args, cwd: cwd) }

    /// The same lines in both shapes (`flowq sample --shape tidy|felix` with one seed differ only in list order),
    /// in two eras: v1-a (`all_policies`) and v2 (enforced and pending lists).
    func copies(in dir: TempDir) throws {
        for shape in ["tidy", "felix"] {
            for (era, seed) in [("v1-a", "3"), ("v2", "2")] {
                let r = try flowq(
                    ["sample", "--era", era, "--lines", "600", "--seed", seed, "--shape", shape, "--hours", "6",
                     "--out", dir.file("\(shape)/\(era).log")], cwd: dir.path)
                #expect(r.status == 0, "\(r.stderr)")
            }
        }
        let tidy = try String(contentsOfFile: dir.file("tidy/v2.log"), encoding: .utf8)
        let felix = try String(contentsOfFile: dir.file("felix/v2.log"), encoding: .utf8)
        #expect(tidy != felix && tidy.count == felix.count, "the shapes differ in order only")
    }

    @Test func messyAndTidyCopiesGiveTheSameAnswers() throws {
        let dir = TempDir()
        try copies(in: dir)
        for shape in ["tidy", "felix"] {
            #expect(try flowq(["ingest", shape, "--db", "\(shape).db"], cwd: dir.path).status == 0)
        }
        var answers: [String: [String]] = [:]
        for db in ["tidy.db", "felix.db"] {
            for q: [String] in [
                ["query", "", "--format", "ndjson", "--limit", "2000"],
                ["query", "policies:{all_policies: *staged\\:default-deny*} and action: \"allow\"", "--count"],
                ["query", "dest_domains:quay.io", "--format", "ndjson", "--fields", "dest_domains,policies.all_policies"],
                ["query", "", "--group-by", "source_name_aggr,dest_name_aggr,dest_port", "--format", "json"],
                ["report", "--format", "json", "--min-window", "1h"],
            ] {
                let r = try flowq(q + ["--db", db], cwd: dir.path)
                answers[db, default: []].append(r.stdout.split(separator: "\n").filter { !$0.contains("\"generated") }.joined(separator: "\n"))
            }
        }
        #expect(answers["tidy.db"] == answers["felix.db"])
        #expect(answers["tidy.db"]?.first?.split(separator: "\n").count == 1200)
        let tables = "SELECT count(*) FROM policy_trace; SELECT count(*) FROM conn; SELECT count(*) FROM label_set; SELECT count(*) FROM conn_hour"
        if Environment.has("sqlite3") {
            let t = try run("/usr/bin/env", ["sqlite3", dir.file("tidy.db"), tables]).stdout
            #expect(t == (try run("/usr/bin/env", ["sqlite3", dir.file("felix.db"), tables]).stdout))
        }
    }

    /// Printed lists come out in index order (policies) and text order (domains, labels), whatever the line said.
    @Test func listsArePrintedInCanonicalOrder() throws {
        let dir = TempDir()
        try dir.write(
            "l.log",
            #"{"action":"allow","dest_port":1,"dest_domains":["b.example","a.example"],"source_labels":{"labels":["z=1","a=2"]},"policies":{"enforced_policies":["1|t|gnp:b|allow|0","0|t|gnp:a|pass|2"],"pending_policies":["10|t|gnp:x|deny|-1","9|t|gnp:y|pass|0","2|t|gnp:z|pass|0"]}}"# + "\n")
        #expect(try flowq(["ingest", "l.log", "--db", "l.db", "--host", "h"], cwd: dir.path).status == 0)
        let r = try flowq(["query", "", "--db", "l.db", "--format", "ndjson", "--fields", "dest_domains,source_labels.labels,policies.enforced_policies,policies.pending_policies"], cwd: dir.path)
        #expect(
            r.stdout
                == #"{"dest_domains":["a.example","b.example"],"source_labels.labels":["a=2","z=1"],"policies.enforced_policies":["0|t|gnp:a|pass|2","1|t|gnp:b|allow|0"],"policies.pending_policies":["2|t|gnp:z|pass|0","9|t|gnp:y|pass|0","10|t|gnp:x|deny|-1"]}"#
                + "\n", "\(r.stdout)")
    }
}
