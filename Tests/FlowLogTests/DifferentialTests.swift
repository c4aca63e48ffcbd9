import FlowLog
import FlowSample
import Foundation
import Testing

/// The byte scanner against Foundation's JSONSerialization on generated and mutated lines.
@Suite struct DifferentialTests {
    let decoder = FlowLineDecoder()

    static let alphabet: [String] = [
        "a", "Z", "0", "-", ".", "/", "\\", "\"", " ", "\t", "\n", "\u{0}", "\u{1F}", "é", "ß", "中", "😀", "𝄞", "\u{7F}",
        "\u{2028}", "|", ":", "{", "}",
    ]

    static let plain: [String] = ["a", "Z", "0", "-", ".", "/", "|", ":", "=", "_"]

    /// Up to 40 characters (long enough for the 8-byte scan and the intern pool, which takes plain strings of 16
    /// bytes and more); half of them plain ASCII; one in four a string seen before (a pool hit).
    func randomString(_ rng: inout SplitMix64, _ seen: inout [String]) -> String {
        if !seen.isEmpty && rng.next() % 4 == 0 { return seen[Int(rng.next() % UInt64(seen.count))] }
        let n = Int(rng.next() % 40)
        let alphabet = rng.next() % 2 == 0 ? Self.plain : Self.alphabet
        let s = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
        if seen.count < 500 { seen.append(s) }
        return s
    }

    func randomString(_ rng: inout SplitMix64) -> String {
        var none: [String] = []
        return randomString(&rng, &none)
    }

    func randomRecord(_ rng: inout SplitMix64, _ seen: inout [String]) -> FlowRecord {
        var r = FlowRecord()
        for k in TextKey.allCases where rng.next() % 3 != 0 { r[k] = randomString(&rng, &seen) }
        for k in IntKey.allCases where rng.next() % 3 != 0 {
            r[k] = Int64(bitPattern: rng.next()) >> Int64(rng.next() % 63)
        }
        for k in ListKey.allCases where rng.next() % 3 != 0 {
            r[k] = (0..<Int(rng.next() % 4)).map { _ in k.isNumeric ? String(rng.next() % 65536) : randomString(&rng) }
        }
        if rng.next() % 2 == 0 { r.sourceLabels = (0..<Int(rng.next() % 4)).map { _ in randomString(&rng) } }
        if rng.next() % 2 == 0 {
            r.policies = PolicyLists(
                all: rng.next() % 2 == 0 ? [randomString(&rng)] : nil, enforced: [], pending: nil,
                transit: rng.next() % 2 == 0 ? [randomString(&rng), randomString(&rng)] : nil)
        }
        return r
    }

    /// Re-escapes some characters of string tokens as `\uXXXX` (with surrogate pairs) or `\/`, and adds
    /// whitespace between tokens.
    func mutate(_ json: String, _ rng: inout SplitMix64) -> String {
        var out = ""
        var inString = false
        var escaped = false
        var hexLeft = 0
        for ch in json.unicodeScalars {
            if inString {
                if hexLeft > 0 {
                    hexLeft -= 1
                    out.unicodeScalars.append(ch)
                    continue
                }
                if escaped {
                    escaped = false
                    if ch == "u" { hexLeft = 4 }
                    out.unicodeScalars.append(ch)
                    continue
                }
                if ch == "\\" {
                    escaped = true
                    out.unicodeScalars.append(ch)
                    continue
                }
                if ch == "\"" {
                    inString = false
                    out.unicodeScalars.append(ch)
                    continue
                }
                if rng.next() % 4 == 0 {
                    if ch == "/" {
                        out += "\\/"
                    } else {
                        for unit in String(ch).utf16 { out += String(format: "\\u%04X", unit) }
                    }
                } else {
                    out.unicodeScalars.append(ch)
                }
                continue
            }
            if ch == "\"" { inString = true }
            if "{[,:".unicodeScalars.contains(ch) || ch == "\"" {
                if ch != "\"" {
                    out.unicodeScalars.append(ch)
                    out += [" ", "\t", "\n", "\r\n", ""][Int(rng.next() % 5)]
                    continue
                }
            }
            if "}]".unicodeScalars.contains(ch) { out += [" ", "", "\t"][Int(rng.next() % 3)] }
            out.unicodeScalars.append(ch)
        }
        return out
    }

    @Test func agreesWithFoundationOnGeneratedAndMutatedLines() throws {
        var rng = SplitMix64(seed: 42)
        var seen: [String] = []
        let encoder = FlowLineEncoder(style: .compact)
        for i in 0..<3000 {
            let record = randomRecord(&rng, &seen)
            var line = encoder.encode(record)
            if i % 3 == 1 {
                // Foundation's own encoding: other key order, `\/` escapes.
                let obj = try JSONSerialization.jsonObject(with: Data(line.utf8))
                line = String(decoding: try JSONSerialization.data(withJSONObject: obj), as: UTF8.self)
            }
            let mutated = mutate(line, &rng)
            let ours = try decoder.decode(mutated)
            let oracle = try FoundationOracle.decode(mutated)
            #expect(ours == FoundationOracle.canonical(record), "line \(i): \(mutated)")
            #expect(ours.texts == oracle.texts && ours.ints == oracle.ints && ours.lists == oracle.lists)
            #expect(ours.policies == oracle.policies && ours.sourceLabels == oracle.sourceLabels)
        }
    }

    /// Every special byte at every position of a long string (the scanner tests 8 bytes at a time): raw control
    /// bytes rejected, DEL and UTF-8 kept, escapes resolved, exactly as Foundation does.
    @Test func specialBytesAtEveryPositionOfALongString() throws {
        let specials: [[UInt8]] = [[0x00], [0x01], [0x1F], [0x7F], [0x20], [0xC3, 0xA9], [0xE4, 0xB8, 0xAD], [0x5C, 0x22],
                                   [0x5C, 0x5C], [0x5C, 0x75, 0x30, 0x30, 0x34, 0x31], [0xFF], [0xC3]]
        for special in specials {
            for at in 0...40 {
                var value = Array(repeating: UInt8(ascii: "x"), count: 40)
                value.insert(contentsOf: special, at: at)
                let line = Array(#"{"source_name":""#.utf8) + value + Array(#"","start_time":1}"#.utf8)
                let foundation = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any]
                let ours = try? decoder.decode(line)
                #expect((ours != nil) == (foundation != nil), "byte \(special) at \(at)")
                if let ours, let foundation { #expect(ours[.sourceName] == foundation["source_name"] as? String) }
            }
        }
    }

    @Test func unknownKeysKeepTheirRawValues() throws {
        let values = ["1.5e10", "-0", "0.001", "123456789012345678", "true", "null", "\"\\u00e9\\ud83d\\ude00\"",
                      "[1,[2,{\"a\":[]}]]", "{\"k\":{\"l\":\"m\"}}", "-1E-5"]
        for v in values {
            let line = "{\"start_time\":1,\"x_unknown\":\(v)}"
            let r = try decoder.decode(line)
            #expect(r.extra.count == 1 && r.extra[0].rawJSON == v)
            let foundation = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            #expect(FoundationOracle.sameJSON(r.extra[0].rawJSON, foundation["x_unknown"]!), "\(v)")
        }
    }

    @Test func rejectsWhatFoundationRejects() throws {
        var rng = SplitMix64(seed: 9)
        let gen = SampleGenerator(.init(lines: 200, era: .v1b, seed: 3))
        var lines: [String] = []
        gen.generate { lines.append($0.json) }
        var checked = 0
        for line in lines {
            let bytes = Array(line.utf8)
            // Truncations.
            let cut = Int(rng.next() % UInt64(bytes.count - 1)) + 1
            let truncated = Array(bytes[..<cut])
            #expect((try? decoder.decode(truncated)) == nil)
            #expect((try? JSONSerialization.jsonObject(with: Data(truncated))) == nil)
            // A byte flipped to something invalid.
            var flipped = bytes
            let at = Int(rng.next() % UInt64(bytes.count))
            flipped[at] = [0xFF, 0x00, 0x7B, 0x22, 0x5C][Int(rng.next() % 5)]
            let oursOK = (try? decoder.decode(flipped)) != nil
            let foundationOK = (try? JSONSerialization.jsonObject(with: Data(flipped))) != nil
            if !foundationOK { #expect(!oursOK, "accepted what Foundation rejects: \(String(decoding: flipped, as: UTF8.self))") }
            checked += 1
        }
        #expect(checked == 200)
    }
}
