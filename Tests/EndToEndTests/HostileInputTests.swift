import Foundation
import TestSupport
import Testing

/// Careless and hostile input at every entry point: exit 0 or 2 within a time bound, never a crash or a hang.
@Suite struct HostileInputTests {
    func flowq(_ args: [String], cwd: String) throws -> ProcessResult { try run(CLITests.flowq, args, cwd: cwd) }

    func store(_ dir: TempDir) throws -> String {
        let r = try flowq(["ingest", Repo.sampleLogs("cluster"), "--db", "s.db"], cwd: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        return "s.db"
    }

    /// A nine-level "billion laughs": 9^9 strings once expanded.
    static let laughs: String = {
        var y = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = Array("abcdefghi")
        for i in 1..<names.count {
            let p = names[i - 1]
            y += "\(names[i]): &\(names[i]) [" + Array(repeating: "*\(p)", count: 9).joined(separator: ",") + "]\n"
        }
        return y
    }()

    @Test func nestingAliasesAndDepthAtEveryEntryPoint() throws {
        let dir = TempDir()
        let db = try store(dir)
        let deep = String(repeating: "(", count: 40_000) + "a"
        let deepSelector = String(repeating: "(", count: 30_000) + "a == 'b'"
        let bangs = String(repeating: "!", count: 30_000) + "has(a)"
        let chain = Array(repeating: "a == 'b'", count: 5_000).joined(separator: " || ")
        try dir.write("laughs.yaml", Self.laughs)
        try dir.write("deep-expected.yaml", "- query: \"\(deep)\"\n  reason: x\n")
        try dir.write(
            "deep-policy.yaml",
            """
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: deep}
            spec:
              selector: "\(deepSelector)"
              types: [Ingress]
            """)
        try dir.write("deep-yaml.yaml", String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000))
        let cases: [[String]] = [
            ["explain", deep],
            ["query", deep, "--db", db, "--count"],
            ["query", String(repeating: "(", count: 7_000) + "a", "--syntax", "lucene", "--db", db],
            ["query", String(repeating: "NOT ", count: 7_000) + "a", "--syntax", "lucene", "--db", db],
            ["selector", deepSelector],
            ["selector", bangs],
            ["selector", chain],
            ["report", "--db", db, "--expected", "laughs.yaml"],
            ["report", "--db", db, "--felix-config", "laughs.yaml"],
            ["report", "--db", db, "--expected", "deep-expected.yaml"],
            ["report", "--db", db, "--expected", "deep-yaml.yaml"],
            ["simulate", "--db", db, "--policies", "laughs.yaml"],
            ["simulate", "--db", db, "--policies", "deep-policy.yaml"],
            ["simulate", "--db", db, "--policies", "deep-yaml.yaml"],
            ["collect", "--db", "c.db", "--expected", "deep-expected.yaml", "--watch", "nowhere"],
        ]
        for args in cases {
            let started = Date()
            let r = try flowq(args, cwd: dir.path)
            let seconds = Date().timeIntervalSince(started)
            #expect(r.status == 0 || r.status == 2, "\(args.map { String($0.prefix(40)) }): exit \(r.status)\n\(r.stderr.prefix(400))")
            #expect(!r.stderr.contains("Backtracing"), "\(args.map { String($0.prefix(40)) })")
            #expect(seconds < 20, "\(args.map { String($0.prefix(40)) }): \(seconds) s")
            #expect(r.stderr.count < 20_000, "a long input is not echoed whole")
        }
    }

    /// Only regular files are read; links are followed only when asked; a FIFO or a device never blocks.
    @Test func fifosDevicesAndSymlinksAreSkippedWithTheReason() throws {
        let dir = TempDir()
        try FileManager.default.createDirectory(atPath: dir.file("w/a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("w/b"), withIntermediateDirectories: true)
        #expect(mkfifo(dir.file("w/a/flows.log"), 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: dir.file("w/b/flows.log"), withDestinationPath: "/dev/zero")
        let secret = try dir.write("secret.log", #"{"action":"allow","dest_port":1}"# + "\n")
        chmod(secret, 0o600)
        try FileManager.default.createSymbolicLink(atPath: dir.file("w/b/flows-1.log"), withDestinationPath: secret)
        try dir.write("w/b/flows-2.log", #"{"action":"allow","dest_port":2}"# + "\n")
        let started = Date()
        let r = try flowq(["ingest", "w", "--db", "w.db"], cwd: dir.path)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 stored"), "\(r.stdout)")
        #expect(r.stderr.contains("flows.log: not a regular file") && r.stderr.contains("flows-1.log: a symbolic link"), "\(r.stderr)")
        let followed = try flowq(["ingest", "w", "--db", "w.db", "--follow-symlinks"], cwd: dir.path)
        #expect(followed.stdout.contains("1 stored"), "\(followed.stdout)")  // the secret, now that it was asked for
        for path in ["w/a/flows.log", "w/b/flows.log"] {
            let t0 = Date()
            let e = try flowq(["ingest", path, "--db", "w.db"], cwd: dir.path)
            #expect(Date().timeIntervalSince(t0) < 10)
            #expect(e.status == 2 && e.stderr.contains("only regular files are read"), "\(e.stderr)")
        }
    }

    @Test func byteOrderMarkIsNotARejectedLine() throws {
        let dir = TempDir()
        try dir.write("bom.log", bytes: [0xEF, 0xBB, 0xBF] + Array(#"{"action":"allow","dest_port":7}"#.utf8) + [10])
        let r = try flowq(["ingest", "bom.log", "--db", "b.db", "--host", "h", "--strict"], cwd: dir.path)
        #expect(r.status == 0 && r.stdout.contains("1 stored, 0 rejected"), "\(r.stdout)\(r.stderr)")
        let q = try flowq(["query", "dest_port:7", "--db", "b.db", "--count"], cwd: dir.path)
        #expect(q.stdout == "1\n")
    }
}
