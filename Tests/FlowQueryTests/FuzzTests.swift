import FlowLog
import FlowQuery
import FlowSQLite
import FlowStore
import Foundation
import Testing

/// Random and mutated queries never crash or hang the parsers or the compiler, and no value of the query
/// reaches the SQL text: every user value is bound.
@Suite struct FuzzTests {
    static let pieces = [
        "a", "b", "dest_namespace", "policies.all_policies", "source_labels", "labels", "dest_ip", "start_time",
        "@timestamp", "dest_port", "action", "*", "**", ":", " : ", "(", ")", "{", "}", "\"", "\\", "\\:", "\\u0041",
        "\\u12", " and ", " or ", " not ", "not ", " AND ", "<", "<=", ">", ">=", "=", " ", "\t", "\u{A0}", "\n",
        "10.0.0.0/8", "::1", "now-1h", "now/d", "2026-11-23", "'", "~", "^", "[", "]", " TO ", "&&", "||", "!", "+",
        "-", "?", "/", "é", "😀", "zqmarker", "kube-system", "staged:default-deny", "|deny|-1", "extra.x", "null",
        "true",
    ]

    @Test func randomAndMutatedQueriesNeverCrashAndStayBound() {
        var rng = SplitMixRNG(seed: 20_261_125)
        var parsed = 0, compiled = 0
        let seeds = [
            #"policies:{all_policies: *staged\:default-deny*} and action: "allow""#,
            "dest_namespace:kube-system and not (dest_port:53 or proto:udp)",
            "source_labels:{labels: app=* and labels: tier=fe} or dest_ip:169.254.0.0/16",
            "start_time >= now-1d and @timestamp < \"2026-11-23T10:00:00Z\"",
            "dest_port:[80 TO 443] AND _exists_:dest_domains",
        ]
        for i in 0..<100_000 {
            var q: String
            if i % 2 == 0 {
                let n = Int(rng.next() % 12) + 1
                q = (0..<n).map { _ in Self.pieces[Int(rng.next() % UInt64(Self.pieces.count))] }.joined()
            } else {
                var chars = Array(seeds[i % seeds.count])
                for _ in 0..<Int(rng.next() % 4) + 1 where !chars.isEmpty {
                    let at = Int(rng.next() % UInt64(chars.count))
                    switch rng.next() % 3 {
                    case 0: chars.remove(at: at)
                    case 1: chars.insert(Array(Self.pieces[Int(rng.next() % UInt64(Self.pieces.count))])[0], at: at)
                    default: chars.swapAt(at, Int(rng.next() % UInt64(chars.count)))
                    }
                }
                q = String(chars)
            }
            // Mark one value so that we can look for it in the SQL.
            if rng.next() % 4 == 0 { q = "dest_name:zqmarker and " + q }
            for syntax in QuerySyntax.allCases {
                guard let node = try? syntax.parse(q) else { continue }
                parsed += 1
                guard let filter = try? FilterBuilder.build(node, options: .init(ignoreCase: rng.next() % 2 == 0, now: 0))
                else { continue }
                let sql = SQLiteBackend(path: "").explain(filter)
                compiled += 1
                #expect(!sql.sql.contains("zqmarker"), "unbound value in SQL for \(q)")
                #expect(!sql.sql.contains("kube-system"), "unbound value in SQL for \(q)")
                #expect(sql.sql.filter { $0 == "?" }.count == sql.bindings.count, "placeholders != bindings for \(q)")
            }
        }
        #expect(parsed > 10_000 && compiled > 5_000)
    }
}

/// SplitMix64 (the tests' deterministic generator).
struct SplitMixRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
