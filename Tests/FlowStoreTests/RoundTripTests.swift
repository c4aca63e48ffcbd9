import FlowLog
import FlowQuery
import FlowSample
@testable import FlowSQLite
import FlowStore
import Foundation
import GRDB
import TestSupport
import Testing

@Suite struct RoundTripTests {
    @Test func storedRecordsReadBackAsDecoded() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("r.db"))
        let decoder = FlowLineDecoder()
        var lines = try Repo.realLines()
        for era in Era.allCases {
            SampleGenerator(.init(lines: 60, era: era, seed: 5, fluentdKeys: era == .v1b)).generate { lines.append($0.json) }
        }
        lines.append(#"{"start_time":1,"policies":null,"x":{"a":[1,2]},"y":"z","nat_outgoing_ports":[],"reporter":"dst, fwd","proto":"47"}"#)
        lines.append(#"{"policies":{"all_policies":null,"pending_policies":[]},"source_labels":{"labels":[]},"dest_domains":["é😀"]}"#)
        lines.append("{}")
        let records = try lines.map { try decoder.decode($0) }
        try store.append(
            records: records, host: nil, rejects: [],
            checkpoint: Checkpoint(fingerprint: "t", path: "t", host: nil, offset: 1, lines: Int64(records.count)))
        let back = try store.records(Filter.always, limit: nil).map(\.record)
        #expect(back.count == records.count)
        for (a, b) in zip(records, back) { #expect(a == b) }
        // Every read path puts each line together with its own connection's columns: a page (ids first, read
        // through the memory map) and a page sorted by connection-level fields, whose lines of many connections
        // come out interleaved.
        let page = try store.records(Filter.always, limit: 50)
        #expect(page.map(\.record) == Array(records.prefix(50)))
        let byNamespace = try #require(FieldCatalogue.field(named: "dest_namespace"))
        let bySource = try #require(FieldCatalogue.field(named: "source_name_aggr"))
        let sorted = try store.records(Filter.always, sort: [(byNamespace, true), (bySource, false)], limit: records.count)
        #expect(sorted.count == records.count)
        #expect(Set(sorted.map(\.id)).count == records.count)
        for r in sorted { #expect(r.record == records[Int(r.id) - 1]) }
    }

    /// The insert binds a parameter only when its value differs from what the statement holds there: every column
    /// reads back as its own line held it, whatever the lines before held there (the same value, another, null,
    /// absent, a text), in one batch and across batches, through the one-row insert and the 64-row one (batches of 1,
    /// 25, 174 = 2 x 64 + 46 and 100 = 64 + 36 lines; the statements are cached from one batch to the next).
    @Test func eachColumnHoldsItsOwnLineWhateverTheLineBefore() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("b.db"))
        let decoder = FlowLineDecoder()
        let ints: [String?] = ["5", "5", "null", "null", nil, "7", "5", nil, "0", "0", "-3"]
        let texts: [String?] = [#""a""#, #""a""#, "null", #""b""#, nil, nil, #""a""#, #""""#, "null"]
        let lists: [String?] = ["[1,2]", "[1,2]", "null", "[]", nil, "[3]", "[1,2]"]
        var lines: [String] = []
        for i in 0..<300 {
            var members = [#""start_time":\#(i % 3 == 0 ? 100 : 200)"#]
            // Each key cycles through its values at its own phase, so neighbours differ in every combination.
            for (k, key) in ["source_port", "bytes_in", "tcp_lost_packets", "num_flows"].enumerated() {
                if let v = ints[(i + k * 3) % ints.count] { members.append(#""\#(key)":\#(v)"#) }
            }
            for (k, key) in ["dest_name", "process_name", "cluster", "source_ip"].enumerated() {
                if let v = texts[(i + k * 2) % texts.count] { members.append(#""\#(key)":\#(v)"#) }
            }
            if let v = lists[i % lists.count] { members.append(#""nat_outgoing_ports":\#(v)"#) }
            lines.append("{" + members.joined(separator: ",") + "}")
        }
        let records = try lines.map { try decoder.decode($0) }
        for (n, part) in [records[0..<25], records[25..<26], records[26..<200], records[200...]].enumerated() {
            try store.append(
                records: Array(part), host: nil, rejects: [],
                checkpoint: Checkpoint(fingerprint: "b", path: "b", host: nil, offset: Int64(n + 1), lines: Int64(part.endIndex)))
        }
        let back = try store.records(Filter.always, limit: nil)
        #expect(back.count == records.count)
        #expect(back.map(\.id) == Array(1...Int64(records.count)))
        for (i, (a, b)) in zip(records, back.map(\.record)).enumerated() { #expect(a == b, "line \(i + 1): \(lines[i])") }
        // The id spans (which the time conditions read) cover every id once, each line's times within its span's.
        let spans = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT first_id, last_id, min_start, max_start FROM flow_span ORDER BY first_id")
        }
        var next: Int64 = 1
        for span in spans {
            let first: Int64 = span[0], last: Int64 = span[1]
            #expect(first == next)
            for id in first...last {
                let start = records[Int(id) - 1][.startTime]
                #expect(start.map { $0 >= span[2] as Int64 && $0 <= span[3] as Int64 } ?? true, "line \(id)")
            }
            next = last + 1
        }
        #expect(next == Int64(records.count) + 1)
    }

    @Test func dictionariesStoreRepeatedMetadataOnce() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("d.db"))
        let decoder = FlowLineDecoder()
        var records: [FlowRecord] = []
        SampleGenerator(.init(lines: 3000, era: .v2, seed: 1)).generate { records.append(try! decoder.decode($0.json)) }
        try store.append(records: records, host: "n1", rejects: [], checkpoint: Checkpoint(fingerprint: "f", path: "p", host: "n1"))
        let (flows, traces, endpoints, labels) = try store.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM flow")!, try Int.fetchOne(db, sql: "SELECT count(*) FROM policy_trace")!,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM endpoint")!, try Int.fetchOne(db, sql: "SELECT count(*) FROM label_set")!)
        }
        #expect(flows == 3000)
        #expect(traces < 100 && endpoints < 100 && labels < 60)
        let hits = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM policy_hit WHERE kind = 'sgnp' AND staged = 1")! }
        #expect(hits > 0)
    }

    /// A batch whose insert fails leaves nothing, whether the failing statement is a one-row insert or a 64-row one.
    @Test(arguments: [1, 100])
    func failedBatchLeavesNothingAndCachesStayConsistent(lines: Int) throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("f.db"))
        let decoder = FlowLineDecoder()
        let r = try decoder.decode(#"{"source_namespace":"brand-new","source_type":"wep","source_name_aggr":"x-*"}"#)
        let batch = Array(repeating: r, count: lines)
        // Make the next insert fail after the dictionary rows were written: a trigger aborts flow inserts.
        try store.dbQueue.write { db in
            try db.execute(sql: "CREATE TEMP TRIGGER boom BEFORE INSERT ON flow BEGIN SELECT RAISE(ABORT, 'boom'); END")
        }
        #expect(throws: StoreError.self) {
            try store.append(records: batch, host: nil, rejects: [], checkpoint: Checkpoint(fingerprint: "f", path: "p", host: nil, offset: 10))
        }
        try store.dbQueue.write { db in try db.execute(sql: "DROP TRIGGER boom") }
        #expect(try store.checkpoint(fingerprint: "f") == nil)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM flow") } == 0)
        try store.append(records: batch, host: nil, rejects: [], checkpoint: Checkpoint(fingerprint: "f", path: "p", host: nil, offset: 10))
        let back = try store.records(Filter.always, limit: nil)
        #expect(back.count == lines && back.allSatisfy { $0.record == r })
    }

    /// The conn cache keys on the identity of strings and arrays: fresh objects with equal values, objects freed
    /// and reallocated between batches, and records that differ in one connection field must all read back exactly.
    @Test func connCacheNeverConfusesConnections() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("c.db"))
        var rng = SplitMix64(seed: 7)
        var shared: [String: String] = [:]
        func pick(_ options: [String?]) -> String? {
            guard let v = options[Int(rng.next() % UInt64(options.count))] else { return nil }
            // Longer than the 15 bytes stored inline: one time in eight a new object, else one shared object per value.
            let fresh = String(decoding: Array("\(v)-padding-to-the-heap".utf8), as: UTF8.self)
            if rng.next() % 8 == 0 { return fresh }
            if let s = shared[v] { return s }
            shared[v] = fresh
            return fresh
        }
        var all: [FlowRecord] = []
        for batch in 0..<30 {
            var records: [FlowRecord] = []
            for i in 0..<100 {
                var r = FlowRecord()
                r[.startTime] = Int64(batch * 100 + i)
                r[.sourceType] = pick(["wep", "hep", nil])
                r[.sourceNamespace] = pick(["ns-a", "ns-b"])
                r[.sourceNameAggr] = pick(["api-*", "web-*", nil])
                r[.destNamespace] = pick(["ns-a", "kube-system"])
                r[.destNameAggr] = pick(["db-*", "dns-*"])
                r[.destServiceName] = pick(["svc", nil])
                r[.action] = pick(["allow", "deny"])
                r[.reporter] = pick(["src", "dst"])
                r[.host] = pick(["node-1", "node-2", nil])
                r[.destPort] = rng.next() % 3 == 0 ? nil : Int64(rng.next() % 3)
                r.sourceLabels = rng.next() % 2 == 0 ? nil : [pick(["app=a", "app=b"])!]
                r.policies = rng.next() % 2 == 0 ? nil : PolicyLists(pending: [pick(["0|t|gnp:t.p|allow|0", "0|t|gnp:t.p|deny|0"])!])
                records.append(r)
            }
            try store.append(
                records: records, host: batch % 5 == 0 ? "override" : nil, overridingLines: batch % 10 == 0, rejects: [],
                checkpoint: Checkpoint(fingerprint: "c", path: "c", host: nil, offset: Int64(batch)))
            for var r in records {
                if batch % 10 == 0 { r[.host] = "override" } else if batch % 5 == 0, r[.host] == nil { r[.host] = "override" }
                all.append(r)
            }
        }
        let back = try store.records(Filter.always, limit: nil).map(\.record)
        #expect(back.count == all.count)
        for (a, b) in zip(all, back) { #expect(a == b) }
    }

    /// More distinct values than the in-memory caches hold (they are emptied when full): ids still come out right,
    /// the same value seen again after a clear gets its old id, and every record reads back exactly.
    @Test func cachesEmptiedWhenFullKeepIdsRight() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("b.db"))
        store.limitCaches(to: 100)
        var all: [FlowRecord] = []
        for batch in 0..<5 {
            var records: [FlowRecord] = []
            for i in 0..<500 {
                let n = batch * 500 + i
                var r = FlowRecord()
                r[.startTime] = Int64(n)
                r[.sourceNamespace] = "ns-\(n % 240)"
                r.sourceLabels = ["app=a\(n % 230)"]
                r.policies = PolicyLists(pending: ["0|t|gnp:t.p\(n % 60)|allow|0"])
                records.append(r)
            }
            try store.append(records: records, host: "n", rejects: [], checkpoint: Checkpoint(fingerprint: "b", path: "b", host: "n"))
            all += records.map { var r = $0; r[.host] = "n"; return r }
        }
        let back = try store.records(Filter.always, limit: nil).map(\.record)
        #expect(back.count == all.count && back == all)
        let (endpoints, labels, traces) = try store.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM endpoint")!, try Int.fetchOne(db, sql: "SELECT count(*) FROM label_set")!,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM policy_trace")!)
        }
        // Each distinct value stored once, also when it came back after its cache was emptied.
        let pairs = Set((0..<2500).map { "\($0 % 240)/\($0 % 230)" })
        #expect(labels == 230 && traces == 60 && endpoints == pairs.count)
    }
}

