import FlowLog
import FlowQuery
import FlowSample
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
        let back = try store.records(SQLFragment("1"), limit: nil).map(\.record)
        #expect(back.count == records.count)
        for (a, b) in zip(records, back) { #expect(a == b) }
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

    @Test func failedBatchLeavesNothingAndCachesStayConsistent() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("f.db"))
        let decoder = FlowLineDecoder()
        let r = try decoder.decode(#"{"source_namespace":"brand-new","source_type":"wep","source_name_aggr":"x-*"}"#)
        // Make the next insert fail after the dictionary rows were written: a trigger aborts flow inserts.
        try store.dbQueue.write { db in
            try db.execute(sql: "CREATE TEMP TRIGGER boom BEFORE INSERT ON flow BEGIN SELECT RAISE(ABORT, 'boom'); END")
        }
        #expect(throws: StoreError.self) {
            try store.append(records: [r], host: nil, rejects: [], checkpoint: Checkpoint(fingerprint: "f", path: "p", host: nil, offset: 10))
        }
        try store.dbQueue.write { db in try db.execute(sql: "DROP TRIGGER boom") }
        #expect(try store.checkpoint(fingerprint: "f") == nil)
        try store.append(records: [r], host: nil, rejects: [], checkpoint: Checkpoint(fingerprint: "f", path: "p", host: nil, offset: 10))
        let back = try store.records(SQLFragment("1"), limit: nil)
        #expect(back.count == 1 && back[0].record == r)
    }
}
