import FlowLog
import Foundation
import Testing

/// The encoder's fast paths (texts checked eight bytes at a time, integers written backwards) against Foundation's
/// JSON parser: every text and integer comes back as it went in.
@Suite struct EncoderTests {
    /// Texts with a byte to escape at every place around the eight-byte words, and plain ones of every length.
    @Test func textsWithEscapesAtEveryPlaceComeBackWhole() throws {
        var texts: [String] = []
        for special in ["\"", "\\", "\n", "\r", "\t", "\u{01}", "\u{1F}", "é", "\u{7F}", "日本"] {
            for at in 0..<18 {
                texts.append(String(repeating: "a", count: at) + special + String(repeating: "b", count: 17 - at))
            }
        }
        for n in 0..<20 { texts.append(String(repeating: "x", count: n)) }
        texts.append("ns/ !#$%&'()*+,-./0123456789:;<=>?@[]^_`{|}~")  // every printable neighbour of '"' and '\'
        for t in texts {
            var w = JSONWriter(capacity: 1)  // grows on the way
            w.string(t)
            var out: [UInt8] = []
            w.append(to: &out)
            let back = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
            #expect(back == t, "\(Array(t.utf8)) as \(String(decoding: out, as: UTF8.self))")
            #expect(JSONText.string(t) == String(decoding: out, as: UTF8.self), "the text helper escapes as the writer does")
        }
    }

    @Test func integersOfEveryWidthComeBackWhole() throws {
        var values: [Int64] = [0, 1, -1, 9, 10, -10, Int64.max, Int64.min, Int64.min + 1]
        var p: Int64 = 1
        for _ in 0..<18 {
            p *= 10
            values += [p - 1, p, p + 1, -p]
        }
        for v in values {
            var w = JSONWriter()
            w.integer(v)
            var out: [UInt8] = []
            w.append(to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v))
        }
    }

    /// A record with every kind of value, in both styles, parses as JSON with the values it holds.
    @Test func aRecordIsValidJSONInBothStyles() throws {
        var r = FlowRecord()
        r[.sourceName] = "quote\"and\\slash"
        r[.destPort] = 2379
        r[.bytesIn] = -5
        r[.destDomains] = ["a.example", "b\u{01}"]
        r.policies = PolicyLists(all: ["0|tier|ns/tier.p|allow|0"], enforced: nil, pending: [])
        r.extra = [ExtraField(key: "x\"y", rawJSON: #"{"deep":[1]}"#)]
        for style in [FlowLineEncoder.Style.compact, .felix] {
            let text = FlowLineEncoder(style: style).encode(r)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(object["source_name"] as? String == "quote\"and\\slash")
            #expect(object["dest_port"] as? Int == 2379)
            #expect(object["bytes_in"] as? Int == -5)
            #expect(object["dest_domains"] as? [String] == ["a.example", "b\u{01}"])
            #expect((object["x\"y"] as? [String: Any])?["deep"] as? [Int] == [1])
            let policies = try #require(object["policies"] as? [String: Any])
            #expect(policies["all_policies"] as? [String] == ["0|tier|ns/tier.p|allow|0"])
            #expect(policies["pending_policies"] as? [String] == [])
            #expect((object["dest_name"] is NSNull) == (style == .felix), "\(style): \(text)")
            #expect(object["host"] == nil, "Felix never writes host")
        }
    }
}
