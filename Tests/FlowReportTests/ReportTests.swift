import FlowIngest
import FlowLog
import FlowQuery
import FlowReport
import FlowSample
import FlowSQLite
import FlowStore
import Foundation
import TestSupport
import Testing
import Yams

/// A hand-built line: the fields the report reads.
struct L {
    var src = ("wep", "app", "client-*", ["app=client", "pod-template-hash=abc"])
    var dst = ("wep", "app", "server-*", ["app=server"])
    var srcIP: String? = "192.168.0.1"
    var dstIP: String? = "192.168.0.2"
    var port: Int64? = 8080
    var proto = "tcp"
    var action = "allow"
    var reporter = "src"
    var policies: PolicyLists? = nil
    var start: Int64 = 1_795_392_000
    var host = "node-a"
    /// Felix writes every counter; a denied line still counts the packets that were dropped.
    var packets: Int64 = 4
    var bytes: Int64 = 240

    var record: FlowRecord {
        var r = FlowRecord()
        r[.startTime] = start
        r[.endTime] = start + 300
        r[.sourceType] = src.0
        r[.sourceNamespace] = src.1
        r[.sourceNameAggr] = src.2
        r.sourceLabels = src.3
        r[.destType] = dst.0
        r[.destNamespace] = dst.1
        r[.destNameAggr] = dst.2
        r.destLabels = dst.3
        r[.sourceIP] = srcIP
        r[.destIP] = dstIP
        r[.destPort] = port
        r[.proto] = proto
        r[.action] = action
        r[.reporter] = reporter
        r.policies = policies
        r[.numFlows] = 1
        r[.packetsOut] = packets
        r[.bytesOut] = bytes
        r[.host] = host
        return r
    }
}

let stagedDenyV2 = ["0|security|gnp:security.pass|pass|0", "1|default|sgnp:default-deny|deny|-1"]
let allowV2 = ["0|security|gnp:security.pass|pass|0", "1|default|np:app/allow|allow|0"]

func report(_ lines: [L], hours: Double = 0, options: (inout ReadinessOptions) -> Void = { _ in }) throws -> ReadinessReport {
    var o = ReadinessOptions(minimumWindowHours: hours, now: 1_795_500_000)
    options(&o)
    return try reportOnEveryBackend(options: o) { store in
        try store.append(records: lines.map(\.record), host: nil, rejects: [], checkpoint: Checkpoint(fingerprint: "x", path: "x", host: nil))
    }
}

/// The report of the lines `fill` stores, computed on every configured backend (``TestBackend/configured``): the
/// reports must be the same, so that a difference of dialect fails the case that shows it. Returns the first.
func reportOnEveryBackend(
    options: ReadinessOptions, sourceLocation: SourceLocation = #_sourceLocation, _ fill: (any WritableStore) throws -> Void
) throws -> ReadinessReport {
    let dir = TempDir()
    var first: (ReadinessReport, String)?
    for backend in TestBackend.configured {
        let store = try backend.make(in: dir, name: "r").openWriter()
        try fill(store)
        let r = try ReadinessAnalyzer(store: store, options: options).run()
        let json = try JSONRenderer.render(r)
        if let (_, expected) = first {
            #expect(json == expected, "the \(backend) report differs from the \(TestBackend.configured[0]) one", sourceLocation: sourceLocation)
        } else {
            first = (r, json)
        }
    }
    return first!.0
}

/// Every line of SampleLogs' cluster, stored.
func ingestSampleLogs(_ store: any WritableStore) throws {
    let ingestor = FileIngestor(store: store)
    for f in try SourceDiscovery.files(in: [Repo.sampleLogs("cluster")]) { _ = try ingestor.ingest(path: f) }
}

func classes(_ r: ReadinessReport) -> [String: Classification] {
    Dictionary(r.connections.map { ("\($0.source.name)->\($0.destination.name)\($0.destination.ip.map { "@" + $0 } ?? ""):\($0.port ?? 0)", $0.classification) }, uniquingKeysWith: { a, _ in a })
}

@Suite struct ReportTests {
    @Test func pendingDenyBreaksAndAllowIsReady() throws {
        let broken = try report([L(policies: PolicyLists(enforced: ["0|__PROFILE__|pro:kns.app|allow|0"], pending: stagedDenyV2))])
        #expect(broken.verdict == .notReady && broken.exitCode == 3)
        #expect(broken.connections.count == 1 && broken.connections[0].classification == .wouldBreak)
        #expect(broken.connections[0].decidingPolicy?.name == "default-deny")
        #expect(broken.connections[0].decidingPolicy?.staged == true)
        let fine = try report([L(policies: PolicyLists(enforced: allowV2, pending: allowV2))])
        #expect(fine.verdict == .ready && fine.exitCode == 0 && fine.connections.isEmpty)
    }

    @Test func srcDstJoinEitherSideBreaks() throws {
        let r = try report([
            L(reporter: "src", policies: PolicyLists(pending: allowV2)),
            L(reporter: "dst", policies: PolicyLists(pending: stagedDenyV2)),
        ])
        #expect(r.connections.count == 1)
        let c = r.connections[0]
        #expect(c.classification == .wouldBreak)
        #expect(c.sides.map(\.reporter) == ["dst"])
        // Src-only and dst-only lines (networks are seen from one side only).
        let one = try report([
            L(dst: ("net", "-", "pub", []), dstIP: "203.0.113.5", port: 443, reporter: "src", policies: PolicyLists(pending: stagedDenyV2)),
            L(src: ("net", "-", "pub", []), srcIP: "198.51.100.1", reporter: "dst", policies: PolicyLists(pending: stagedDenyV2)),
        ])
        #expect(one.connections.count == 2 && one.connections.allSatisfy { $0.classification == .wouldBreak && $0.sides.count == 1 })
    }

    @Test func legacyEraStagedHitsDecide() throws {
        let legacy = ["0|security|security.pass|pass|0", "1|default|default.staged:default-deny|deny|-1", "2|__PROFILE__|__PROFILE__.kns.app|allow|0"]
        let r = try report([L(policies: PolicyLists(all: legacy))])
        #expect(r.connections.first?.classification == .wouldBreak)
        // v0: 4-field hits.
        let v0 = ["0|default|default.staged:default-deny|deny", "1|__PROFILE__|__PROFILE__.kns.app|allow"]
        #expect(try report([L(policies: PolicyLists(all: v0))]).connections.first?.classification == .wouldBreak)
        // A staged allow before the staged deny: nothing breaks.
        let allowFirst = ["0|default|app/default.staged:allow-client|allow|0", "1|default|default.staged:default-deny|deny|-1", "2|__PROFILE__|__PROFILE__.kns.app|allow|0"]
        #expect(try report([L(policies: PolicyLists(all: allowFirst))]).connections.isEmpty)
        #expect(try report([L(policies: PolicyLists(pending: ["0|default|snp:app/allow-client|allow|0"]))]).connections.isEmpty)
        // A staged pass skips the rest of its tier: the deny in the next tier decides, exactly.
        let stagedPass = ["0|t1|t1.staged:pass-all|pass|0", "1|default|default.staged:default-deny|deny|-1", "2|__PROFILE__|__PROFILE__.kns.app|allow|0"]
        let sp = try report([L(policies: PolicyLists(all: stagedPass))])
        #expect(sp.connections.first?.classification == .wouldBreak)
        #expect(sp.connections.first?.sides.first?.approximate == false)
        // A trace that ends inside the staged pass's tier is uncertain: reported unknown with the reason.
        let endsInTier = ["0|t1|t1.staged:pass-all|pass|0", "1|t1|t1.allow-app|allow|0"]
        let u = try report([L(policies: PolicyLists(all: endsInTier))])
        #expect(u.connections.first?.classification == .unknown)
        #expect(u.connections.first?.reason?.contains("staged pass in tier t1") == true)
    }

    @Test func failsafeLocalhostMetadataAndNodeLocalDNS() throws {
        let hep = ("hep", "-", "node-a", ["projectcalico.org/auto-hep=true"])
        let deny = PolicyLists(all: ["0|default|default.staged:default-deny|deny|-1", "1|__PROFILE__|__PROFILE__.projectcalico-default-allow|allow|0"])
        let r = try report([
            // Host endpoint to the API server: failsafe tcp:6443 outbound.
            L(src: hep, dst: ("hep", "-", "node-b", []), srcIP: "10.0.0.1", dstIP: "10.0.0.2", port: 6443, policies: deny),
            // SSH in: failsafe tcp:22 inbound.
            L(src: ("net", "-", "pub", []), dst: hep, srcIP: "198.51.100.7", dstIP: "10.0.0.1", port: 22, reporter: "dst", policies: deny),
            // Loopback on a host endpoint: breaks, critical.
            L(src: hep, dst: hep, srcIP: "127.0.0.1", dstIP: "127.0.0.1", port: 9099, policies: deny),
            // Cloud metadata: expected denial.
            L(src: hep, dst: ("net", "-", "pub", []), srcIP: "10.0.0.1", dstIP: "169.254.169.254", port: 80, policies: deny),
            // NodeLocal DNS from a host: failsafe udp:53; from a pod: would break (failsafes are for hosts only).
            L(src: hep, dst: ("net", "-", "pub", []), srcIP: "10.0.0.1", dstIP: "169.254.20.10", port: 53, proto: "udp", policies: deny),
            L(dst: ("net", "-", "pub", []), dstIP: "169.254.20.10", port: 53, proto: "udp", policies: deny),
            // A pod on a failsafe port is not protected.
            L(port: 22, policies: deny),
        ])
        let c = classes(r)
        #expect(c["node-a->node-b:6443"] == .protectedByFailsafe)
        #expect(c["pub->node-a:22"] == .protectedByFailsafe)
        #expect(c["node-a->node-a:9099"] == .localhost)
        #expect(c["node-a->pub@169.254.169.254:80"] == .expectedDenial)
        #expect(c["node-a->pub@169.254.20.10:53"] == .protectedByFailsafe)
        #expect(c["client-*->pub@169.254.20.10:53"] == .wouldBreak)
        #expect(c["client-*->server-*:22"] == .wouldBreak)
        #expect(r.connections.filter(\.critical).count == 3)
        #expect(r.verdict == .notReady)
    }

    @Test func felixConfigurationReplacesFailsafes() throws {
        let yaml = """
            apiVersion: projectcalico.org/v3
            kind: FelixConfiguration
            metadata: {name: default}
            spec:
              failsafeInboundHostPorts: []
              failsafeOutboundHostPorts:
              - {port: 6443}
            """
        let f = try FailsafePorts.load(felixConfigurationYAML: yaml, file: "felix.yaml")
        #expect(f.inbound.isEmpty && f.outbound == [.init(proto: "tcp", port: 6443, net: nil)])
        #expect(throws: ReportError.self) { try FailsafePorts.load(felixConfigurationYAML: "a: [", file: "bad.yaml") }
    }

    @Test func userNoiseRules() throws {
        let rules = try NoiseRule.load(yaml: "- query: 'dest_port:9999'\n  reason: legacy scanner\n", file: "n.yaml")
        let r = try report([L(port: 9999, policies: PolicyLists(pending: stagedDenyV2))]) { $0.noise += rules }
        #expect(r.connections.first?.classification == .expectedDenial && r.connections.first?.reason == "legacy scanner")
        #expect(throws: ReportError.self) { try NoiseRule.load(yaml: "- query: 'a:(('\n  reason: x\n", file: "n.yaml") }
    }

    @Test func unknownAndInsufficientEvidence() throws {
        let hep = ("hep", "-", "node-a", ["projectcalico.org/auto-hep=true"])
        // v2 host endpoint lines: no pending trace.
        let u = try report([L(src: hep, port: 10250, policies: PolicyLists(enforced: allowV2, pending: nil))])
        #expect(u.connections.first?.classification == .unknown)
        #expect(u.verdict == .insufficientEvidence && u.exitCode == 4)
        #expect(u.summary.unknownLines == 1)
        // A window shorter than required.
        let short = try report([L(policies: PolicyLists(pending: allowV2))], hours: 24)
        #expect(short.verdict == .insufficientEvidence)
        #expect(short.evidence.first?.sufficient == false)
        // Enough hours: ready.
        let long = try report([L(policies: PolicyLists(pending: allowV2)), L(policies: PolicyLists(pending: allowV2), start: 1_795_392_000 + 25 * 3600)], hours: 24)
        #expect(long.verdict == .ready)
        // A host with no flows in the window.
        let gone = try report([L(policies: PolicyLists(pending: allowV2)), L(policies: PolicyLists(pending: allowV2), start: 1_700_000_000, host: "node-b")]) {
            $0.since = 1_795_000_000
        }
        #expect(gone.verdict == .insufficientEvidence)
        #expect(gone.reasons.contains { $0.contains("node-b") })
    }

    @Test func newlyAllowAndPolicySelection() throws {
        let r = try report([L(action: "deny", policies: PolicyLists(enforced: ["0|default|np:app/deny|deny|0"], pending: ["0|default|snp:app/allow|allow|0"]))])
        #expect(r.connections.first?.classification == .wouldNewlyAllow)
        // Enforcing only another staged policy: the default-deny is not enforced, nothing breaks.
        let only = try report([L(policies: PolicyLists(enforced: allowV2, pending: stagedDenyV2))]) { $0.enforcing = StagedSelection(["other-*"]) }
        #expect(only.connections.isEmpty)
        let named = try report([L(policies: PolicyLists(enforced: allowV2, pending: stagedDenyV2))]) { $0.enforcing = StagedSelection(["default-*"]) }
        #expect(named.connections.count == 1)
    }

    @Test func sampleLogsGiveTheDocumentedAnswer() throws {
        let r = try reportOnEveryBackend(options: ReadinessOptions(now: 1_795_500_000), ingestSampleLogs)
        #expect(r.verdict == .notReady)
        #expect(r.summary.connections == [
            "would_break": 8, "localhost": 3, "protected_by_failsafe": 11, "expected_denial": 3, "unknown": 0,
            "would_newly_allow": 1,
        ])
        let c = classes(r)
        #expect(c["summary-7c9f8d6b5-*->database-5b8c7d9f6-*:2379"] == .wouldBreak)
        #expect(c["client-68d4f7b9c5-*->management-ui-7f9d8c6b4-*:9001"] == .wouldBreak)
        #expect(c["customer-6d8f9c5b7d-*->pub@52.95.110.1:443"] == .wouldBreak)
        #expect(c["ip-10-0-1-30.eu-west-1.compute.internal->management-ui-7f9d8c6b4-*:9001"] == .wouldBreak)
        #expect(c["ip-10-0-1-20.eu-west-1.compute.internal->pub@140.82.112.6:443"] == .wouldBreak)
        #expect(c["ip-10-0-1-20.eu-west-1.compute.internal->ip-10-0-1-20.eu-west-1.compute.internal:9099"] == .localhost)
        #expect(c["ip-10-0-1-30.eu-west-1.compute.internal->pub@169.254.169.254:80"] == .expectedDenial)
        #expect(c["ip-10-0-1-31.eu-west-1.compute.internal->pub@169.254.20.10:53"] == .protectedByFailsafe)
        #expect(c["client-68d4f7b9c5-*->legacy-api-84c6d9b7f-*:8080"] == .wouldNewlyAllow)
        // Allowed by the platform policies: not affected.
        #expect(c["ip-10-0-1-20.eu-west-1.compute.internal->ip-10-0-1-30.eu-west-1.compute.internal:10250"] == nil)
        #expect(c["customer-6d8f9c5b7d-*->summary-7c9f8d6b5-*:80"] == nil)
        #expect(c["ip-10-0-1-30.eu-west-1.compute.internal->pub@3.224.102.5:443"] == nil)
        // The fix is valid YAML with one document per policy, allowing summary -> database on 2379.
        let docs = try Array(Yams.load_all(yaml: r.fixYAML)).compactMap { $0 as? [String: Any] }
        #expect(docs.count == 9)
        let summary = try #require(docs.first { ($0["metadata"] as? [String: Any])?["name"] as? String == "flowq-allow-summary-7c9f8d6b5-egress" })
        let spec = try #require(summary["spec"] as? [String: Any])
        #expect(spec["selector"] as? String == "app == 'summary'")
        let rule = try #require((spec["egress"] as? [[String: Any]])?.first)
        #expect((rule["destination"] as? [String: Any])?["ports"] as? [Int] == [2379])
    }

    @Test(arguments: Era.allCases)
    func everyEraFindsTheApplicationBreaks(_ era: Era) throws {
        let decoder = FlowLineDecoder()
        var byNode: [String: [FlowRecord]] = [:]
        SampleGenerator(.init(lines: 3000, era: era, seed: 21)).generate { byNode[$0.node, default: []].append(try! decoder.decode($0.json)) }
        let r = try reportOnEveryBackend(options: ReadinessOptions(now: 1_795_500_000)) { store in
            for (node, records) in byNode.sorted(by: { $0.key < $1.key }) {
                try store.append(records: records, host: node, rejects: [], checkpoint: Checkpoint(fingerprint: node, path: node, host: node))
            }
        }
        let c = classes(r)
        #expect(r.verdict == .notReady)
        #expect(c["summary-7c9f8d6b5-*->database-5b8c7d9f6-*:2379"] == .wouldBreak)
        #expect(c["client-68d4f7b9c5-*->management-ui-7f9d8c6b4-*:9001"] == .wouldBreak)
        #expect(c["client-68d4f7b9c5-*->legacy-api-84c6d9b7f-*:8080"] == .wouldNewlyAllow)
        #expect(c["customer-6d8f9c5b7d-*->summary-7c9f8d6b5-*:80"] == nil)
        let hepKey = "ip-10-0-1-30.eu-west-1.compute.internal->pub@169.254.169.254:80"
        switch era {
        case .v0, .v1a, .v1b: #expect(c[hepKey] == .expectedDenial)
        case .v1c, .v2: #expect(c[hepKey] == .unknown)  // no trace for host endpoints in these eras
        }
    }

    @Test(.enabled(if: Environment.has("python3"), "validates with python3's jsonschema"))
    func jsonValidatesAgainstTheSchemaAndCompares() throws {
        var r = try report([L(policies: PolicyLists(pending: stagedDenyV2))])
        let previous = try report([L(port: 9, policies: PolicyLists(pending: stagedDenyV2))])
        r.compare(with: previous)
        #expect(r.comparison?.new.count == 1 && r.comparison?.resolved.count == 1)
        let json = try JSONRenderer.render(r)
        #expect(try JSONRenderer.decode(json) == r)
        let dir = TempDir()
        let path = try dir.write("r.json", json)
        let schema = Repo.root.appendingPathComponent("Schemas/readiness-report.schema.json").path
        let check = try run("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
            print("valid")
            """, path, schema])
        #expect(check.status == 0 && check.stdout.contains("valid"), "\(check.stderr)")
        let html = HTMLRenderer.render(r)
        #expect(html.contains("<svg") && html.contains("class=\"edge would_break\""))
        let md = MarkdownRenderer.render(r)
        #expect(md.contains("# flowq readiness report: NOT READY (exit 3)") && md.contains("## Changes since"))
    }
}
