import FlowLog
import FlowSample
import Foundation
import TestSupport
import Testing

@Suite struct DecoderTests {
    let decoder = FlowLineDecoder()

    @Test func decodesEveryRealLine() throws {
        let lines = try Repo.realLines()
        #expect(lines.count >= 10)
        for line in lines {
            let r = try decoder.decode(line)
            let oracle = try FoundationOracle.decode(line)
            #expect(r.texts == oracle.texts, "\(line.prefix(80))")
            #expect(r.ints == oracle.ints)
            #expect(r.lists == oracle.lists)
            #expect(r.sourceLabels == oracle.sourceLabels)
            #expect(r.destLabels == oracle.destLabels)
            #expect(r.policies == oracle.policies)
        }
    }

    @Test func toleratesEveryEraShape() throws {
        // v0 hits, policies null, lists null vs [], missing keys, "dst, fwd", proto as a number string,
        // fluentd keys, unknown keys.
        let line = #"""
            {"start_time":1,"end_time":2,"source_ip":null,"proto":"132","reporter":"dst, fwd","policies":null,
             "nat_outgoing_ports":[],"dest_domains":null,"host":"node-a","@timestamp":2000,"cluster":"c1",
             "generated_time":"2026-01-01T00:00:00Z","id":{"deep":[1,2.5e3,{"x":null}]},"source_labels":{"labels":[]}}
            """#
        let r = try decoder.decode(line)
        #expect(r[.proto] == "132")
        #expect(r[.reporter] == "dst, fwd")
        #expect(r.policies == nil)
        #expect(r[.natOutgoingPorts] == [])
        #expect(r[.destDomains] == nil)
        #expect(r[.host] == "node-a")
        #expect(r[.timestamp] == 2000)
        #expect(r.sourceLabels == [])
        #expect(r.destLabels == nil)
        #expect(r.extra.map(\.key) == ["generated_time", "id"])
        #expect(r.extra[1].rawJSON == #"{"deep":[1,2.5e3,{"x":null}]}"#)
    }

    @Test(arguments: [
        (#"{"start_time":"1"}"#, DecodeError.Code.wrongType),
        (#"{"bytes_in":1.5}"#, .wrongType),
        (#"{"source_name":5}"#, .wrongType),
        (#"{"policies":{"all_policies":[1]}}"#, .wrongType),
        (#"{"source_labels":["a"]}"#, .wrongType),
        (#"[1,2]"#, .notAnObject),
        ("", .emptyLine),
        (#"{"a":1"#, .truncated),
        (#"{"a":"b}"#, .truncated),
        (#"{"a":1}x"#, .invalidJSON),
        (#"{"a":tru}"#, .invalidJSON),
        (#"{"a":"\x"}"#, .invalidJSON),
        (#"{"a":"\ud800"}"#, .invalidJSON),
        (#"{"a":01}"#, .invalidJSON),
        (#"{"bytes_in":99999999999999999999}"#, .wrongType),
    ])
    func rejectsWithReason(_ line: String, _ code: DecodeError.Code) {
        #expect(throws: DecodeError.self) { try decoder.decode(line) }
        do {
            _ = try decoder.decode(line)
        } catch {
            #expect(error.code == code, "\(line): \(error)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        var bytes = Array(#"{"source_name":"ab"}"#.utf8)
        bytes.insert(0xFF, at: 17)
        #expect(throws: DecodeError.self) { try decoder.decode(bytes) }
        #expect((try? decoder.decode([0xC3, 0x28])) == nil)
    }

    @Test(arguments: Era.allCases)
    func sampleLinesRoundTrip(_ era: Era) throws {
        let generator = SampleGenerator(.init(lines: 300, era: era, seed: 7, fluentdKeys: era == .v2))
        let encoder = FlowLineEncoder()
        try generator.generate { line in
            let r = try decoder.decode(line.json)
            #expect(try decoder.decode(encoder.encode(r)) == r)
            let oracle = try FoundationOracle.decode(line.json)
            #expect(r.texts == oracle.texts && r.ints == oracle.ints && r.lists == oracle.lists)
            #expect(r.policies == oracle.policies && r.sourceLabels == oracle.sourceLabels)
        }
    }
}
