import FlowIngest
import FlowLog
import FlowQuery
import FlowSQLite
import FlowStore
import TestSupport
import Testing

/// KQL queries run against a real store; the answer is the set of `source_name`s of the matching lines.
@Suite struct QuerySemanticsTests {
    static let fixture = [
        #"{"source_name":"a","source_namespace":"ns1","dest_namespace":"kube-system","dest_port":53,"proto":"udp","action":"allow","reporter":"src","source_ip":"10.0.0.5","dest_ip":"169.254.169.254","start_time":1000,"end_time":1300,"source_labels":{"labels":["app=web","tier=fe"]},"policies":{"all_policies":["0|default|default.staged:default-deny|deny|-1","1|__PROFILE__|__PROFILE__.kns.ns1|allow|0"]},"dest_domains":["quay.io","cdn.quay.io"]}"#,
        #"{"source_name":"b","source_namespace":"ns2","dest_namespace":"ns1","dest_port":443,"proto":"tcp","action":"deny","reporter":"dst","source_ip":null,"dest_ip":"fd00::1","start_time":2000,"end_time":2300,"source_labels":{"labels":["app=db"]},"policies":{"enforced_policies":["0|default|np:ns1/deny-b|deny|0"],"pending_policies":["0|default|sgnp:default-deny|deny|-1"]}}"#,
        #"{"source_name":"c","source_namespace":"ns1","dest_port":8080,"proto":"tcp","action":"allow","start_time":3000,"end_time":3300,"policies":null,"source_labels":null,"x_custom":"hello","@timestamp":3300000}"#,
        #"{"source_name":"Web-D","source_namespace":"ns3","dest_namespace":"-","dest_port":80,"action":"allow","start_time":4000,"end_time":4300,"source_ip":"127.0.0.1","dest_ip":"127.0.0.1","policies":{"enforced_policies":["0|t|gnp:t.allow|allow|0"],"pending_policies":[]},"nat_outgoing_ports":[1234,5678]}"#,
    ]

    static let cases: [(String, Set<String>)] = [
        ("", ["a", "b", "c", "Web-D"]),
        ("action:allow", ["a", "c", "Web-D"]),
        ("not action:allow", ["b"]),
        ("dest_namespace:kube-system", ["a"]),
        ("not dest_namespace:kube-system", ["b", "c", "Web-D"]),
        ("dest_namespace:*", ["a", "b", "Web-D"]),
        ("not dest_namespace:*", ["c"]),
        ("source_name:web*", []),
        ("dest_port >= 443", ["b", "c"]),
        ("dest_port_num > 443", ["c"]),
        ("dest_port:(53 or 80)", ["a", "Web-D"]),
        ("dest_ip:169.254.0.0/16", ["a"]),
        ("dest_ip:fd00::/8", ["b"]),
        ("source_ip:127.0.0.1", ["Web-D"]),
        ("not source_ip:*", ["b", "c"]),
        ("start_time >= 2000 and start_time < 4000", ["b", "c"]),
        ("start_time:1970-01-01", ["a", "b", "c", "Web-D"]),
        ("end_time < \"1970-01-01T00:50:00Z\"", ["a", "b"]),
        ("@timestamp:3300000", ["c"]),
        ("@timestamp:4300000", ["Web-D"]),
        (#"policies:{all_policies: *staged\:default-deny*}"#, ["a", "b"]),
        (#"policies:{all_policies: *staged\:default-deny*} and action: "allow""#, ["a"]),
        ("policies.all_policies:*staged:default-deny* and action:allow", ["a"]),
        ("policies.pending_policies:*default-deny*", ["b"]),
        ("policies.enforced_policies:*", ["b", "Web-D"]),
        ("not policies.all_policies:*", ["c"]),
        ("source_labels.labels:app=web", ["a"]),
        ("source_labels:{labels: app=*}", ["a", "b"]),
        ("source_labels:{labels: app=* and labels: tier=*}", []),
        ("source_labels:{labels: app=web} and source_labels:{labels: tier=fe}", ["a"]),
        ("not source_labels.labels:app=db", ["a", "c", "Web-D"]),
        ("dest_domains:*.quay.io", ["a"]),
        ("nat_outgoing_ports:5678", ["Web-D"]),
        ("extra.x_custom:hello", ["c"]),
        ("ns1", ["a", "b", "c"]),
        ("*quay*", ["a"]),
        ("443", ["b"]),
        ("10.0.0.5", ["a"]),
        ("source.ip:10.0.0.0/8 or event.action:deny", ["a", "b"]),
        ("dest_*:kube-system", ["a"]),
        ("*:*", ["a", "b", "c", "Web-D"]),
        // Connection-level columns that are NULL (no reporter on c and Web-D, no service), under negations.
        ("not reporter:src", ["b", "c", "Web-D"]),
        ("not (reporter:src or dest_namespace:kube-system)", ["b", "c", "Web-D"]),
        ("not (action:allow and reporter:src)", ["b", "c", "Web-D"]),
        ("reporter:dst or not source_labels.labels:*", ["b", "c", "Web-D"]),
        ("not dest_service_name:*", ["a", "b", "c", "Web-D"]),
        ("dest_service_name:* or not reporter:*", ["c", "Web-D"]),
    ]

    /// The fixture stored in a new store of `backend`.
    static func store(_ backend: TestBackend) throws -> (TempDir, any WritableStore) {
        let dir = TempDir()
        let store = try backend.make(in: dir, name: "q").openWriter()
        let decoder = FlowLineDecoder()
        try store.append(
            records: try fixture.map { try decoder.decode($0) }, host: "node-1", rejects: [],
            checkpoint: Checkpoint(fingerprint: "q", path: "q", host: "node-1"))
        return (dir, store)
    }

    static func names(_ store: any FlowReader, _ query: String, ignoreCase: Bool = false, syntax: QuerySyntax = .kql) throws -> Set<String> {
        let node = try syntax.parse(query)
        let sql = try FilterBuilder.build(node, options: .init(ignoreCase: ignoreCase, now: 5_000_000))
        return Set(try store.records(sql, limit: nil).compactMap { $0.record[.sourceName] })
    }

    @Test(arguments: TestBackend.configured)
    func kqlQueriesMatchTheExpectedRows(_ backend: TestBackend) throws {
        let (_, store) = try Self.store(backend)
        for (q, expected) in Self.cases {
            let got = try Self.names(store, q)
            #expect(got == expected, "query: \(q) got \(got.sorted())")
        }
    }

    /// Every connection-level query counts from the roll-up what the lines say, on this fixture and on the
    /// sample cluster (messy lists), also while retention deletes lines chunk by chunk.
    @Test(arguments: TestBackend.configured)
    func connectionLevelCountsEqualLineCounts(_ backend: TestBackend) throws {
        let (dir, store) = try Self.store(backend)
        var connectionLevel = 0
        for (q, expected) in Self.cases {
            let node = try KQLParser.parse(q)
            let c = try FilterBuilder.build(node, options: .init(now: 5_000_000))
            guard c.isConnectionLevel else { continue }
            connectionLevel += 1
            #expect(try store.countOverConnections(c) == Int64(expected.count), "query: \(q)")
        }
        #expect(connectionLevel >= 15)
        #expect(try !FilterBuilder.build(try KQLParser.parse("source_ip:10.0.0.5"), options: .init(now: 0)).isConnectionLevel)
        #expect(try !FilterBuilder.build(try KQLParser.parse("web"), options: .init(now: 0)).isConnectionLevel)

        let big = try backend.make(in: dir, name: "big").openWriter()
        let ingestor = FileIngestor(store: big)
        for f in try SourceDiscovery.files(in: [Repo.sampleLogs("cluster")]) { _ = try ingestor.ingest(path: f) }
        let queries = ["", "action:allow", "policies.pending_policies:*deny*", "dest_port > 1000 and not proto:udp",
                       "source_labels:{labels: app=*}", #"policies:{all_policies: *staged\:default-deny*} and action: "allow""#]
        func check(_ when: String) throws {
            for q in queries {
                let node = try KQLParser.parse(q)
                let filter = try FilterBuilder.build(node, options: .init(now: 0))
                #expect(filter.isConnectionLevel, "\(q)")
                let lines = try big.countLines(filter)
                let conns = try big.countOverConnections(filter)
                #expect(lines == conns, "\(when): \(q)")
            }
        }
        try check("stored")
        // Retention at a cutoff inside an hour, in chunks: the roll-up loses exactly what is deleted.
        while try big.deleteFlows(startedBefore: 1_795_392_000 + 7 * 3600 + 1234, limit: 97) > 0 { try check("during retention") }
        try big.deleteRollups(endedBefore: 1_795_392_000 + 7 * 3600 + 1234)
        try check("after retention")
    }

    @Test(arguments: TestBackend.configured)
    func ignoreCaseRelaxesKeywords(_ backend: TestBackend) throws {
        let (_, store) = try Self.store(backend)
        #expect(try Self.names(store, "source_name:web*", ignoreCase: true) == ["Web-D"])
        #expect(try Self.names(store, "source_name:WEB-D", ignoreCase: true) == ["Web-D"])
    }

    @Test(arguments: TestBackend.configured)
    func luceneQueriesMatchTheExpectedRows(_ backend: TestBackend) throws {
        let (_, store) = try Self.store(backend)
        let cases: [(String, Set<String>)] = [
            ("action:allow AND NOT dest_port:53", ["c", "Web-D"]),
            ("dest_port:[80 TO 443]", ["b", "Web-D"]),
            ("dest_port:{80 TO 443]", ["b"]),
            ("dest_port:[1000 TO *]", ["c"]),
            ("dest_port:>=443", ["b", "c"]),
            ("_exists_:dest_namespace", ["a", "b", "Web-D"]),
            ("+action:allow -source_namespace:ns1", ["Web-D"]),
            ("source_name:a source_name:b", ["a", "b"]),
            ("source_name:?", ["a", "b", "c"]),
            ("source_namespace:ns1 && proto:tcp || source_name:Web-D", ["c", "Web-D"]),
            ("!action:allow", ["b"]),
        ]
        for (q, expected) in cases {
            #expect(try Self.names(store, q, syntax: .lucene) == expected, "lucene: \(q)")
        }
    }

    /// The PostgreSQL cases of every parameterized suite run only with a test server: shown as skipped without one.
    @Test(.disabled(if: TestBackend.postgresMissing, "FLOWQ_TEST_POSTGRES is not set: the PostgreSQL cases do not run (./dev test starts a server)"))
    func postgresCasesRun() {
        #expect(TestBackend.configured.contains(.postgres))
    }

    @Test func unknownFieldsSuggestAName() throws {
        let e = try #require(throws: QuerySyntaxError.self) {
            try FilterBuilder.build(try KQLParser.parse("dest_namespac:kube-system"), options: .init(now: 0))
        }
        #expect(e.code == .unknownField)
        #expect(e.hint?.contains("dest_namespace") == true)
        #expect(e.offset == 0)
        let bad = try #require(throws: QuerySyntaxError.self) {
            try FilterBuilder.build(try KQLParser.parse("dest_port:abc"), options: .init(now: 0))
        }
        #expect(bad.code == .badValue && bad.offset == 10)
    }
}
