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

    /// A record decoded into again (as ingest does with the records of stored batches) holds that line only:
    /// nothing of the line before survives, whether it had more keys, unknown keys, or failed half-way.
    @Test func aRecordDecodedIntoAgainHoldsOnlyTheNewLine() throws {
        let lines = try Repo.realLines() + [
            #"{"source_namespace":"a","zz_unknown":[1,2],"dest_labels":{"labels":["x=y"]},"bytes_in":5}"#,
            #"{"proto":"udp"}"#,
            #"{"source_namespace":"half","bytes_in":"not a number"}"#,
            #"{}"#,
        ]
        var reused = FlowRecord()
        for before in lines {
            for line in lines {
                try? decode(before, into: &reused)
                let fresh = Result { try decoder.decode(line) }
                let again = Result {
                    try decode(line, into: &reused)
                    return reused
                }
                switch (fresh, again) {
                case (.success(let a), .success(let b)): #expect(a == b, "\(line.prefix(60)) after \(before.prefix(60))")
                case (.failure, .failure): break
                default: Issue.record("\(line.prefix(60)) after \(before.prefix(60)): \(fresh) vs \(again)")
                }
            }
        }
    }

    func decode(_ line: String, into record: inout FlowRecord) throws(DecodeError) {
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: line.utf8.count)
        defer { bytes.deallocate() }
        _ = bytes.initialize(from: line.utf8)
        try decoder.decode(UnsafeBufferPointer(bytes), into: &record)
    }

    /// Integers of every length from 1 to 20 digits, read eight bytes at a time where the line goes on for 16
    /// bytes and byte by byte near its end: each comes back as written, and a fraction, an exponent, a leading
    /// zero or a value past Int64 is refused, whatever byte follows the digits.
    @Test func integersOfEveryLengthAndEveryEnding() throws {
        var digits: [String] = [
            "0", "7", "10", "9223372036854775807", "9223372036854775808", "18446744073709551616",
            // Negative ones take the slow path (the inlined one reads non-negative digits only).
            "-1", "-42", "-9223372036854775808", "-9223372036854775809",
        ]
        for n in 1...20 {
            digits.append(String((0..<n).map { i in Character(String((i * 7 + n) % 10 == 0 && i == 0 ? 1 : (i * 7 + n) % 10)) }))
            digits.append(String(repeating: "9", count: n))
            digits.append("1" + String(repeating: "0", count: n - 1))
            digits.append("0" + String(repeating: "5", count: n))  // a leading zero
        }
        for d in digits {
            for ending in [",", "}", " ,", ".5,", "e3,", "E3,", "x,", ":,", "/,", "\"a\","] {
                for tail in ["", #" "source_namespace": "a-long-enough-namespace"}"#] {
                    let line = #"{"bytes_in": "# + d + ending + (ending.hasSuffix(",") ? (tail.isEmpty ? #" "proto": "tcp"}"# : tail) : "")
                    let valid = ending.hasPrefix(",") || ending.hasPrefix("}") || ending.hasPrefix(" ")
                    let expected = valid && !(d.count > 1 && d.hasPrefix("0")) ? Int64(d) : nil
                    let got = try? decoder.decode(line)
                    #expect(got?[.bytesIn] == expected, "\(line)")
                    if expected == nil { #expect(got == nil, "\(line)") }
                }
            }
        }
    }

    /// Strings are scanned eight bytes at a time and the scan jumps to the first quote, backslash, control or
    /// non-ASCII byte of a word: such a byte at every position of strings of every length (as a text, a label and
    /// a domain) decodes as Foundation decodes it, and a raw control byte is rejected wherever it stands.
    @Test func stringsWithASpecialByteAtEveryPosition() throws {
        let specials = [#"\""#, #"\\"#, #"\n"#, #"\u00e9"#, "é", "😀", "\u{01}", "\u{1F}", "\u{7F}"]
        for n in 1...26 {
            for p in 0..<n {
                for special in specials {
                    var chars = Array(String(repeating: "abcdefghij", count: 3).prefix(n)).map(String.init)
                    chars[p] = special
                    let text = chars.joined()
                    let line = #"{"source_name":"\#(text)","source_labels":{"labels":["\#(text)","k=v"]},"dest_domains":["\#(text)"],"proto":"tcp"}"#
                    let oracle = try? FoundationOracle.decode(line)
                    let got = try? decoder.decode(line)
                    #expect(got?.texts == oracle?.texts, "\(line)")
                    #expect(got?.sourceLabels.map(Set.init) == oracle?.sourceLabels.map(Set.init), "\(line)")
                    #expect(got?[.destDomains] == oracle?[.destDomains], "\(line)")
                    #expect((got == nil) == (oracle == nil), "\(line)")
                }
            }
        }
        // Unterminated at the end of the line, at every length.
        for n in 0...20 {
            #expect(throws: DecodeError.self) { try decoder.decode(#"{"source_name":""# + String(repeating: "a", count: n)) }
        }
    }

    /// Long texts are interned by a hash whose last word overlaps the one before, and member names are matched
    /// against the previous line's by whole words, the last one overlapping: texts and names that differ only in
    /// their last byte, or their first, come back as written, whatever the line before held.
    @Test func textsAndNamesThatDifferInOneByteStayApart() throws {
        for n in 8...40 {
            let base = String(repeating: "q", count: n - 1)
            for (a, b) in [(base + "a", base + "b"), ("a" + base, "b" + base)] {
                for t in [a, b, a, a, b] {
                    let r = try decoder.decode(#"{"source_name":"\#(t)","proto":"tcp"}"#)
                    #expect(r[.sourceName] == t)
                }
            }
        }
        for (known, unknown, value) in [
            ("source_port", "source_porx", "7"), ("proto", "protx", #""tcp""#), ("host", "hosx", #""n""#), ("bytes_in", "bytes_ix", "7"),
        ] {
            for name in [known, unknown, known, unknown, unknown, known] {
                let r = try decoder.decode(#"{"\#(name)":\#(value)}"#)
                #expect(r.extra.map(\.key) == (name == unknown ? [unknown] : []), "\(name)")
            }
        }
    }

    /// Texts of up to 15 bytes are interned by their bytes (two words and the length): texts that differ only in
    /// their length, their last byte or a byte of either word come back as written, whatever came before.
    @Test func shortTextsOfEveryLengthComeBackAsWritten() throws {
        var texts: [String] = []
        for n in 0...17 {
            texts.append(String(repeating: "a", count: n))
            if n > 0 { texts.append(String(repeating: "a", count: n - 1) + "b") }
            if n > 8 { texts.append("b" + String(repeating: "a", count: n - 1)) }
        }
        for _ in 0..<2 {  // the second time, every text is in the table
            for t in texts {
                let r = try decoder.decode(#"{"source_namespace":"\#(t)","dest_namespace":"x\#(t)","proto":"tcp"}"#)
                #expect(r[.sourceNamespace] == t)
                #expect(r[.destNamespace] == "x" + t)
                #expect(r[.proto] == "tcp")
            }
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

    /// One decoder reads lines whose members come in different orders, with names written with escapes or spaces,
    /// unknown names where known ones stood, and duplicates: every line decodes as Foundation reads it (the decoder
    /// checks each position against the previous line's name first).
    @Test func membersInAnyOrderFromLineToLine() throws {
        let lines = [
            #"{"source_ip":"10.0.0.1","dest_name":"a-very-long-destination-name","dest_name_aggr":"agg-*","dest_port":80}"#,
            #"{"dest_name_aggr":"agg-*","dest_name":"a-very-long-destination-name","source_ip":"10.0.0.2","dest_port":81}"#,
            #"{"source\u005fip":"10.0.0.3","dest_name" :"n","x_unknown_key_name":1,"dest_port":82}"#,
            #"{"source_ip":"10.0.0.4","dest_name":"n","dest_name":"last-wins-when-duplicated","dest_port":83}"#,
            #"{"source_ip_extra":"not source_ip","source_ip":"10.0.0.5","dest_port":84,"dest_name_aggr":"b"}"#,
            #"{"source_ip":"10.0.0.1","dest_name":"a-very-long-destination-name","dest_name_aggr":"agg-*","dest_port":80}"#,
        ]
        for round in 0..<3 {
            for line in lines {
                let r = try decoder.decode(line)
                let oracle = try FoundationOracle.decode(line)
                #expect(r.texts == oracle.texts && r.ints == oracle.ints && r.extra.map(\.key).sorted() == oracle.extra.map(\.key), "round \(round): \(line)")
            }
        }
    }

    /// Labels, domains and policy hits are sets Felix writes in map order: every order of one set decodes to the
    /// same canonical list, and to the same object (what the store's identity caches key on).
    @Test func theSameSetInAnyOrderIsOneObject() throws {
        let labels = (0..<6).map { "app.kubernetes.io/label-\($0)=value-\($0)" }
        let hits = ["0|security|gnp:security.pass|pass|0", "1|platform|staged:default-deny|deny|-1", "2|__PROFILE__|pro:kns.x|allow|0"]
        var rng = SplitMix64(seed: 3)
        func shuffled(_ xs: [String]) -> [String] {
            var xs = xs
            for i in stride(from: xs.count - 1, to: 0, by: -1) { xs.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            return xs
        }
        func json(_ xs: [String]) -> String { "[" + xs.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
        var first: FlowRecord?
        for _ in 0..<50 {
            let line = #"{"source_labels":{"labels":"# + json(shuffled(labels)) + #"},"dest_domains":"#
                + json(shuffled(["b.example.com", "a.example.com", "c.example.com"])) + #","policies":{"pending_policies":"#
                + json(shuffled(hits)) + #"}}"#
            let r = try decoder.decode(line)
            #expect(r.sourceLabels == labels.sorted())
            #expect(r[.destDomains] == ["a.example.com", "b.example.com", "c.example.com"])
            #expect(r.policies?.pending == hits)
            if let first {
                #expect(r.sourceLabels!.withUnsafeBufferPointer { $0.baseAddress } == first.sourceLabels!.withUnsafeBufferPointer { $0.baseAddress })
                #expect(r.policies!.pending!.withUnsafeBufferPointer { $0.baseAddress } == first.policies!.pending!.withUnsafeBufferPointer { $0.baseAddress })
            } else {
                first = r
            }
        }
        // A set with one element more, or one changed byte, is another set.
        let more = try decoder.decode(#"{"source_labels":{"labels":"# + json(labels + ["extra=1"]) + "}}")
        #expect(more.sourceLabels == (labels + ["extra=1"]).sorted())
        var changed = labels
        changed[2] = "app.kubernetes.io/label-2=value-X"
        #expect(try decoder.decode(#"{"source_labels":{"labels":"# + json(shuffled(changed)) + "}}").sourceLabels == changed.sorted())
        // Duplicates are kept (a multiset), and escapes are resolved on every read.
        #expect(try decoder.decode(#"{"dest_domains":["x.io","x.io","a.io"]}"#)[.destDomains] == ["a.io", "x.io", "x.io"])
        #expect(try decoder.decode(#"{"dest_domains":["x.io","a.io"]}"#)[.destDomains] == ["a.io", "x.io"])
        #expect(try decoder.decode(#"{"dest_domains":["\u0078.io","a.io"]}"#)[.destDomains] == ["a.io", "x.io"])
    }
}
