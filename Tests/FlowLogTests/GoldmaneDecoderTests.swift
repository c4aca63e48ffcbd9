import FlowLog
import FlowSample
import Foundation
import TestSupport
import Testing

/// The Goldmane decoder against an oracle written the slow, obvious way: Foundation parses the flow, builds the
/// Felix v2 line Linseed's mapping gives (`docs` §5.4 of the format notes), and ``FlowLineDecoder`` reads that line.
/// The record the decoder builds straight from the bytes must be the same, field for field.
@Suite struct GoldmaneDecoderTests {
    static let types = [1: "wep", 2: "hep", 3: "ns", 4: "net"]
    static let actions = [1: "allow", 2: "deny", 3: "pass"]
    static let reporters = [1: "src", 2: "dst"]
    static let kinds = [1: "np", 2: "gnp", 3: "snp", 4: "sgnp", 5: "sknp", 6: "knp", 7: "kanp", 8: "kbanp", 9: "pro", 11: "kcnp"]

    /// `ToString` of a hit as Goldmane's `methods.go` writes it.
    static func hitString(_ h: [String: Any]) -> String {
        let named = (h["kind"] as? Int) == 10 ? h["trigger"] as! [String: Any] : h
        let kind = named["kind"] as? Int ?? 0
        let ns = (named["namespace"] as? String).map { $0 + "/" } ?? ""
        let tier = kind == 9 ? "__PROFILE__" : h["tier"] as? String ?? ""
        return "\(h["policy_index"] as? Int ?? 0)|\(tier)|\(kinds[kind]!):\(ns)\(named["name"] as! String)|"
            + "\(actions[h["action"] as! Int]!)|\(h["rule_index"] as? Int ?? 0)"
    }

    /// The Felix line of one Goldmane flow, decoded by the line decoder.
    static func oracle(_ flow: String) throws -> FlowRecord {
        let f = try JSONSerialization.jsonObject(with: Data(flow.utf8)) as! [String: Any]
        let k = f["Key"] as! [String: Any]
        func text(_ name: String) -> String { (k[name] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "-" }
        func int(_ name: String) -> Int { f[name] as? Int ?? 0 }
        let policies = k["policies"] as? [String: Any]
        func trace(_ name: String) -> [String] { (policies?[name] as? [[String: Any]] ?? []).map(hitString) }
        var line: [String: Any] = [
            "start_time": f["start_time"]!, "end_time": f["end_time"]!,
            "source_name": text("source_name"), "source_name_aggr": text("source_name"),
            "source_namespace": text("source_namespace"), "source_type": types[k["source_type"] as! Int]!,
            "source_labels": ["labels": f["source_labels"] as? [String] ?? []],
            "dest_name": text("dest_name"), "dest_name_aggr": text("dest_name"), "dest_namespace": text("dest_namespace"),
            "dest_type": types[k["dest_type"] as! Int]!, "dest_labels": ["labels": f["dest_labels"] as? [String] ?? []],
            "dest_service_name": text("dest_service_name"), "dest_service_namespace": text("dest_service_namespace"),
            "dest_service_port": text("dest_service_port_name"), "proto": text("proto"),
            "action": actions[k["action"] as! Int]!, "reporter": reporters[k["reporter"] as! Int]!,
            "policies": ["enforced_policies": trace("enforced_policies"), "pending_policies": trace("pending_policies")],
            "packets_in": int("packets_in"), "packets_out": int("packets_out"), "bytes_in": int("bytes_in"),
            "bytes_out": int("bytes_out"), "num_flows": int("num_connections_live"),
            "num_flows_started": int("num_connections_started"), "num_flows_completed": int("num_connections_completed"),
        ]
        line["dest_port"] = k["dest_port"] ?? NSNull()
        line["dest_service_port_num"] = k["dest_service_port"] ?? NSNull()
        let bytes = try JSONSerialization.data(withJSONObject: line)
        return try FlowLineDecoder().decode(Array(bytes))
    }

    static func decode(_ decoder: GoldmaneFlowDecoder, _ flow: String) throws -> FlowRecord {
        let bytes = Array(flow.utf8)
        return try bytes.withUnsafeBufferPointer { b in try decoder.decode(b) }
    }

    static let names = ["frontend-6c9f8d7b5-*", "db-0", "", "caf\u{e9}", "a\"quoted\\one", "tab\there", "\u{1F600}-pod", "x"]
    static let labels = ["app=frontend", "tier=web", "k8s-app=kube-dns", "version=v\u{e9}", "a=\"b\""]

    /// A random flow as the emitter writes one: zero values omitted, hits in any order, EndOfTier triggers, profiles.
    static func randomFlow(_ rng: inout SplitMix64) -> String {
        func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        func maybe() -> Bool { rng.next() % 3 != 0 }
        func hit() -> [String: Any] {
            var h: [String: Any] = ["action": pick([1, 2, 3])]
            if maybe() { h["policy_index"] = Int(rng.next() % 5) }
            if maybe() { h["rule_index"] = pick([-1, 0, 1, 2]) }
            if maybe() { h["tier"] = pick(["default", "security", "platform"]) }
            if rng.next() % 4 == 0 {
                h["kind"] = 10
                var t: [String: Any] = ["kind": pick([1, 2, 3, 4, 6]), "name": pick(["default-deny", "allow-dns"]), "action": 2]
                if maybe() { t["namespace"] = pick(["shop", "kube-system"]) }
                h["trigger"] = t
            } else {
                h["kind"] = pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 11])
                h["name"] = pick(["kns.shop", "default-deny", "allow-db", "ksa.default.default"])
                if maybe() { h["namespace"] = pick(["shop", "kube-system"]) }
            }
            return h
        }
        var key: [String: Any] = [
            "source_type": pick([1, 2, 3, 4]), "dest_type": pick([1, 2, 3, 4]), "reporter": pick([1, 2]), "action": pick([1, 2]),
        ]
        for n in ["source_name", "source_namespace", "dest_name", "dest_namespace", "dest_service_name",
            "dest_service_namespace", "dest_service_port_name", "proto"] where maybe()
        {
            key[n] = pick(names)
        }
        for n in ["dest_port", "dest_service_port"] where maybe() { key[n] = Int(rng.next() % 65536) }
        if maybe() {
            var p: [String: Any] = [:]
            if maybe() { p["enforced_policies"] = (0..<Int(rng.next() % 4)).map { _ in hit() } }
            if maybe() { p["pending_policies"] = (0..<Int(rng.next() % 4)).map { _ in hit() } }
            key["policies"] = p
        }
        var flow: [String: Any] = ["Key": key, "start_time": 1_795_392_000, "end_time": 1_795_392_300]
        for n in ["source_labels", "dest_labels"] where maybe() {
            flow[n] = (0..<Int(rng.next() % 4)).map { _ in pick(labels) }
        }
        for n in ["packets_in", "packets_out", "bytes_in", "bytes_out", "num_connections_started",
            "num_connections_completed", "num_connections_live"] where maybe()
        {
            flow[n] = Int(rng.next() % 1_000_000)
        }
        let data = try! JSONSerialization.data(withJSONObject: flow)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func recordedBodiesDecodeAsTheirFelixLines() throws {
        let decoder = GoldmaneFlowDecoder()
        var flows = 0
        for name in ["emitter-body.ndjson", "emitter-body-next.ndjson"] {
            let path = Repo.root.appendingPathComponent("Tests/Fixtures/goldmane/\(name)").path
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
                let flow = String(line)
                guard (try? JSONSerialization.jsonObject(with: Data(flow.utf8)) as? [String: Any])??["Key"] != nil,
                    let expected = try? Self.oracle(flow)
                else { continue }  // the bodies' deliberate rejects are checked below and end to end
                #expect(try Self.decode(decoder, flow) == expected, "\(flow)")
                flows += 1
            }
        }
        #expect(flows >= 8)
    }

    @Test func randomFlowsDecodeAsTheirFelixLines() throws {
        var rng = SplitMix64(seed: 7)
        let decoder = GoldmaneFlowDecoder()
        // The server decodes into the records of stored parts: one record, decoded into flow after flow, must hold
        // each flow as a new record would (members a flow omits are absent, whatever the flow before held).
        var reused = FlowRecord()
        for _ in 0..<3_000 {
            let flow = Self.randomFlow(&rng)
            // Twice: the second read comes from the intern pool and must be the same.
            let expected = try Self.oracle(flow)
            #expect(try Self.decode(decoder, flow) == expected, "\(flow)")
            #expect(try Self.decode(decoder, flow) == expected)
            try Array(flow.utf8).withUnsafeBufferPointer { b in try decoder.decode(b, into: &reused) }
            #expect(reused == expected, "\(flow)")
        }
    }

    @Test func theSameTraceInAnotherOrderIsOneObject() throws {
        let decoder = GoldmaneFlowDecoder()
        let a = #"{"kind":2,"name":"a","tier":"default","action":1,"policy_index":0}"#
        let b = #"{"kind":2,"name":"b","tier":"default","action":2,"policy_index":1}"#
        func flow(_ hits: String) -> String {
            #"{"Key":{"source_type":1,"dest_type":1,"reporter":1,"action":1,"policies":{"pending_policies":["#
                + hits + #"]}},"start_time":1,"end_time":2}"#
        }
        let one = try Self.decode(decoder, flow(a + "," + b)).policies!
        let two = try Self.decode(decoder, flow(b + "," + a)).policies!
        #expect(one == two)
        #expect(one.pending == ["0|default|gnp:a|allow|0", "1|default|gnp:b|deny|0"])
        #expect(one.pending!.withUnsafeBufferPointer { $0.baseAddress } == two.pending!.withUnsafeBufferPointer { $0.baseAddress })
    }

    @Test(arguments: [
        ("[1,2]", DecodeError.Code.notAnObject),
        (#"{"start_time":1,"end_time":2}"#, .invalidFlow),
        (#"{"Key":{"source_type":1,"dest_type":1,"reporter":1,"action":1},"end_time":2}"#, .invalidFlow),
        (#"{"Key":{"source_type":9,"dest_type":1,"reporter":1,"action":1},"start_time":1,"end_time":2}"#, .invalidFlow),
        (#"{"Key":{"source_type":1,"dest_type":1,"reporter":1,"action":1,"policies":{"enforced_policies":[{"kind":10,"action":2}]}},"start_time":1,"end_time":2}"#, .invalidFlow),
        (#"{"Key":{"source_type":1,"dest_type":1,"reporter":1,"action":1,"proto":6},"start_time":1,"end_time":2}"#, .invalidJSON),
        (#"{"Key":{"source_type":1,"dest_type":1,"reporter":1,"action":1},"start_time":1,"end_time":2} x"#, .invalidJSON),
        (#"{"Key":{"source_type":1,"dest_type":1,"reporter":1,"action":1},"start_time":1,"end_time":"#, .wrongType),
    ])
    func flowsThatAreNotFlowsAreErrors(_ flow: String, _ code: DecodeError.Code) {
        #expect(throws: DecodeError.self) { try Self.decode(GoldmaneFlowDecoder(), flow) }
        do {
            _ = try Self.decode(GoldmaneFlowDecoder(), flow)
        } catch let e as DecodeError {
            #expect(e.code == code, "\(e)")
        } catch {
            Issue.record("not a DecodeError: \(error)")
        }
    }
}
