import FlowLog
import FlowQuery
import FlowSample
import FlowStore
import TestSupport
import Testing

/// A limited read in storage order gives the first lines of the unlimited one, whichever way the store finds them:
/// connection by connection (a few connections match), or through its general plan (many match, or no conjunct
/// narrows the connections).
@Suite struct LimitedReadTests {
    /// 300 connections (`dest_port` 1…300, two actions), their lines interleaved at random over 24 batches, with
    /// times that rise with the batches and per-line source ports.
    static func store(_ backend: TestBackend, in dir: TempDir, batches: Int = 24, lines: Int = 250) throws -> any WritableStore {
        let store = try backend.make(in: dir, name: "limited").openWriter()
        var rng = SplitMix64(seed: 12)
        for b in 0..<batches {
            var batch: [FlowRecord] = []
            for i in 0..<lines {
                var r = FlowRecord()
                let port = Int64(rng.next() % 300) + 1
                r[.sourceName] = "b\(b)-\(i)"
                r[.sourceNamespace] = "ns\(port % 7)"
                r[.destNamespace] = port % 3 == 0 ? "kube-system" : "app"
                r[.destPort] = port
                r[.proto] = "tcp"
                r[.action] = port % 10 == 0 ? "deny" : "allow"
                r[.reporter] = port % 4 == 0 ? nil : "src"  // a connection-level column that may be NULL
                r[.sourcePort] = Int64(rng.next() % 60_000)
                r[.startTime] = 1_800_000_000 + Int64(b) * 2400 + Int64(rng.next() % 300)  // 40 minutes apart: newest-first reads go by rounds
                r[.endTime] = r[.startTime]! + 300
                batch.append(r)
            }
            try store.append(records: batch, host: "n", rejects: [], checkpoint: Checkpoint(fingerprint: "l\(b)", path: "l", host: "n"))
        }
        return store
    }

    static let queries = [
        "dest_port:17",  // one connection
        "dest_port < 40",  // 39
        "dest_port:17 or dest_port:250 or dest_port:3",
        "action:deny",  // 30 connections
        "action:allow",  // 270
        "dest_namespace:kube-system and not action:deny",  // 90
        "dest_port < 40 and start_time >= 1800007000",  // a time window among the conjuncts
        "dest_port < 200 and start_time < 1800004000 and source_port > 30000",  // and a per-line field
        "not reporter:dst",  // all 300: the 75 without a reporter too
        "not (reporter:src and action:deny) and dest_namespace:app",  // NULL under a negation, 200
        "not reporter:*",  // 75
        "source_port > 59000",  // no connection-level conjunct
        "dest_port:999",  // no connection
        "",
    ]

    @Test(arguments: TestBackend.configured)
    func limitedReadIsTheUnlimitedReadsPrefix(_ backend: TestBackend) throws {
        let dir = TempDir()
        let store = try Self.store(backend, in: dir)
        for query in Self.queries {
            let filter = try FilterBuilder.build(try KQLParser.parse(query), options: .init(now: 0))
            let all = try store.records(filter, limit: nil)
            #expect(all.map(\.id) == all.map(\.id).sorted(), "\(query): storage order")
            for limit in [1, 7, 100, 999, 6000] {
                let some = try store.records(filter, limit: limit)
                #expect(some.map(\.id) == Array(all.prefix(limit).map(\.id)), "\(backend) \(query) limit \(limit)")
                #expect(some.map(\.record) == Array(all.prefix(limit).map(\.record)), "\(backend) \(query) limit \(limit): whole records")
            }
        }
        #expect(try store.records(try FilterBuilder.build(try KQLParser.parse("dest_port:17"), options: .init(now: 0)), limit: 6000).count > 10)
    }

    /// Pages (each after the last id of the one before) join up to the unlimited read, and a sorted limited read
    /// is the sorted unlimited read's prefix, in its order: however the store finds the ids, it reads the rows back
    /// in the ids' order.
    @Test(arguments: TestBackend.configured)
    func pagesAndSortedReadsMatchTheUnlimitedRead(_ backend: TestBackend) throws {
        let dir = TempDir()
        let store = try Self.store(backend, in: dir, batches: 8)
        let sorts: [[(Field, Bool)]] = [
            [(FieldCatalogue.field(named: "source_port")!, true)], [(FieldCatalogue.field(named: "source_namespace")!, false)],
            [(FieldCatalogue.field(named: "source_namespace")!, true), (FieldCatalogue.field(named: "dest_port")!, false)],
            [(FieldCatalogue.field(named: "dest_port")!, true)], [(FieldCatalogue.field(named: "reporter")!, false)],
            [(FieldCatalogue.field(named: "start_time")!, true)],
            [(FieldCatalogue.field(named: "end_time")!, true), (FieldCatalogue.field(named: "source_namespace")!, false)],
        ]
        for query in [
            "dest_port:17 or dest_port:250", "action:allow", "dest_port < 40 and source_port > 30000", "", "dest_port:999",
            "not reporter:src and start_time >= 1800002000",
            "dest_port:17 or source_port > 59000",  // no conjunct narrows the connections: all of them, sorted
        ] {
            let filter = try FilterBuilder.build(try KQLParser.parse(query), options: .init(now: 0))
            let all = try store.records(filter, limit: nil)
            var paged: [StoredRecord] = []
            while true {
                let page = try store.records(filter, sort: [], limit: 150, afterID: paged.last?.id ?? 0)
                paged += page
                if page.count < 150 { break }
            }
            #expect(paged.map(\.id) == all.map(\.id), "\(backend) \(query): pages")
            #expect(paged.map(\.record) == all.map(\.record), "\(backend) \(query): pages, whole records")
            for sort in sorts {
                let sorted = try store.records(filter, sort: sort, limit: nil, afterID: 0)
                for limit in [1, 77, 700] {
                    let some = try store.records(filter, sort: sort, limit: limit, afterID: 0)
                    let name = sort.map { "\($0.0.name)\($0.1 ? ":desc" : "")" }.joined(separator: ",")
                    #expect(some.map(\.id) == Array(sorted.prefix(limit).map(\.id)), "\(backend) \(query) sorted by \(name), limit \(limit)")
                    #expect(some.map(\.record) == Array(sorted.prefix(limit).map(\.record)), "\(backend) \(query) sorted: whole records")
                }
            }
        }
    }

    /// More lines than the store scans in storage order before it leaves the rest to SQLite's plan (many
    /// connections match): the answer is the same whether the scan finds every line, some, or none.
    @Test func limitedReadOfManyConnectionsPastTheScannedWindow() throws {
        let dir = TempDir()
        let store = try Self.store(.sqlite, in: dir, batches: 10, lines: 7_500)
        for query in [
            "action:allow", "action:allow and source_port > 59990", "not dest_port:17 and source_port < 3",
            "not reporter:src or action:deny",
        ] {
            let filter = try FilterBuilder.build(try KQLParser.parse(query), options: .init(now: 0))
            let all = try store.records(filter, limit: nil)
            for limit in [1, 7, 100, 999] {
                let some = try store.records(filter, limit: limit)
                #expect(some.map(\.id) == Array(all.prefix(limit).map(\.id)), "\(query) limit \(limit)")
            }
        }
        let rare = try FilterBuilder.build(try KQLParser.parse("action:allow and source_port > 59990"), options: .init(now: 0))
        #expect(try store.records(rare, limit: nil).contains { $0.id > 65_536 }, "matches past the window")
    }
}
