import FlowIngest
import FlowLog
import FlowPolicy
import FlowQuery
import FlowReport
import FlowSQLite
import FlowStore
import Foundation
import TestSupport
import Testing

@Suite struct SimulationReportTests {
    static func load(_ yaml: String) throws -> PolicySet {
        var l = PolicyLoader()
        try l.load(yaml: yaml, file: "t.yaml")
        return l.set
    }

    /// The seed's two platform policies plus a global default-deny, against SampleLogs' host traffic.
    @Test func seedPoliciesOnSampleLogs() throws {
        let set = try Self.load(try String(contentsOfFile: Repo.sampleLogs("policies/platform.yaml"), encoding: .utf8))
        var options = ReadinessOptions(now: 1_795_500_000)
        options.simulation = Simulation(simulator: PolicySimulator(set), mode: .everywhere)
        options.filter = try FilterBuilder.build(try KQLParser.parse("source_type:hep or dest_type:hep"), options: .init(now: 0))
        let r = try reportOnEveryBackend(options: options, ingestSampleLogs)
        let c = classes(r)
        // Denied: the cloud metadata address (expected), GitHub, IPv6 loopback, host-networked nginx to a pod.
        #expect(c["ip-10-0-1-30.eu-west-1.compute.internal->pub@169.254.169.254:80"] == .expectedDenial)
        #expect(c["ip-10-0-1-20.eu-west-1.compute.internal->pub@140.82.112.6:443"] == .wouldBreak)
        #expect(c["ip-10-0-1-31.eu-west-1.compute.internal->ip-10-0-1-31.eu-west-1.compute.internal:9099"] == .localhost)
        #expect(c["ip-10-0-1-30.eu-west-1.compute.internal->management-ui-7f9d8c6b4-*:9001"] == .wouldBreak)
        // Allowed by the seed's policies: kubelet from the control plane, ingress-nginx metrics, localhost, quay.io.
        #expect(c["ip-10-0-1-20.eu-west-1.compute.internal->ip-10-0-1-30.eu-west-1.compute.internal:10250"] == nil)
        #expect(c["ip-10-0-1-20.eu-west-1.compute.internal->ip-10-0-1-31.eu-west-1.compute.internal:10254"] == nil)
        #expect(c["ip-10-0-1-30.eu-west-1.compute.internal->ip-10-0-1-30.eu-west-1.compute.internal:10248"] == nil)
        #expect(c["ip-10-0-1-30.eu-west-1.compute.internal->pub@3.224.102.5:443"] == nil)
        // Failsafe ports stay open.
        #expect(c["ip-10-0-1-31.eu-west-1.compute.internal->ip-10-0-1-20.eu-west-1.compute.internal:6443"] == .protectedByFailsafe)
        #expect(r.connections.allSatisfy { $0.source.type == "hep" || $0.destination.type == "hep" })
        // The report uses the simulation only where the log has no trace: the same answer for these hosts.
        var reportOptions = ReadinessOptions(now: 1_795_500_000)
        reportOptions.simulation = Simulation(simulator: PolicySimulator(set), mode: .whereUnknown)
        let withPolicies = try reportOnEveryBackend(options: reportOptions, ingestSampleLogs)
        #expect(withPolicies.summary.connections["unknown"] == 0)
    }

    static let fixturePolicies = """
        apiVersion: projectcalico.org/v3
        kind: Tier
        metadata: {name: security}
        spec: {order: 100}
        ---
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata: {name: security.pass-all}
        spec: {tier: security, selector: all(), types: [Ingress, Egress], ingress: [{action: Pass}], egress: [{action: Pass}]}
        ---
        apiVersion: projectcalico.org/v3
        kind: NetworkPolicy
        metadata: {name: allow-web, namespace: shop}
        spec:
          tier: default
          order: 10
          selector: app == 'web'
          types: [Ingress]
          ingress: [{action: Allow, protocol: TCP, source: {selector: app == 'api'}, destination: {ports: [8080]}}]
        ---
        apiVersion: projectcalico.org/v3
        kind: StagedGlobalNetworkPolicy
        metadata: {name: default-deny}
        spec: {tier: default, order: 1000, selector: all(), types: [Ingress]}
        ---
        apiVersion: projectcalico.org/v3
        kind: NetworkPolicy
        metadata: {name: db-nets, namespace: shop}
        spec:
          tier: default
          order: 20
          selector: app == 'db'
          types: [Ingress]
          ingress: [{action: Allow, source: {nets: [10.1.0.0/16]}}]
        """

    /// On fixtures with traces, the simulator agrees with every trace where it is certain.
    @Test func agreementWithTracesIsCompleteWhereCertain() throws {
        let pass = "0|security|gnp:security.pass-all|pass|0"
        let lines: [L] = [
            // api -> web: allowed by allow-web, enforced and staged alike.
            L(src: ("wep", "shop", "api-*", ["app=api"]), dst: ("wep", "shop", "web-*", ["app=web"]), port: 8080, reporter: "dst",
              policies: PolicyLists(enforced: [pass, "1|default|np:shop/allow-web|allow|0"], pending: [pass, "1|default|np:shop/allow-web|allow|0"])),
            // other -> web: allow-web selects web, nothing matches: end of tier (the staged deny selects it too).
            L(src: ("wep", "shop", "other-*", ["app=other"]), dst: ("wep", "shop", "web-*", ["app=web"]), port: 8080, action: "deny",
              reporter: "dst", policies: PolicyLists(enforced: [pass, "1|default|np:shop/allow-web|deny|-1"], pending: [pass, "1|default|np:shop/allow-web|deny|-1"])),
            // api -> cache: no enforced policy selects cache: profile today, the staged deny once enforced.
            L(src: ("wep", "shop", "api-*", ["app=api"]), dst: ("wep", "shop", "cache-*", ["app=cache"]), port: 6379, reporter: "dst",
              policies: PolicyLists(enforced: [pass, "1|__PROFILE__|pro:kns.shop|allow|0"], pending: [pass, "1|default|sgnp:default-deny|deny|-1"])),
            // Aggregated away: the nets rule cannot be decided (uncertain, not compared).
            L(src: ("wep", "shop", "api-*", ["app=api"]), dst: ("wep", "shop", "db-*", ["app=db"]), srcIP: nil, dstIP: nil, port: 5432,
              reporter: "dst", policies: PolicyLists(enforced: [pass, "1|default|np:shop/db-nets|allow|0"], pending: [pass, "1|default|np:shop/db-nets|allow|0"])),
        ]
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("a.db"))
        try store.append(records: lines.map(\.record), host: nil, rejects: [], checkpoint: Checkpoint(fingerprint: "a", path: "a", host: nil))
        let set = try Self.load(Self.fixturePolicies)
        let analyzer = ReadinessAnalyzer(store: store, options: ReadinessOptions(now: 1_795_500_000))
        let a = try analyzer.checkAgreement(set, enforcing: nil)
        #expect(a.enforcedCompared == 3 && a.pendingCompared == 3)
        #expect(a.rate == 1, "\(a.examples)")
        #expect(a.uncertain == 2)
        // A policy set that differs from what Felix enforced is caught.
        let other = try Self.load(Self.fixturePolicies.replacingOccurrences(of: "ports: [8080]", with: "ports: [9090]"))
        #expect(try analyzer.checkAgreement(other, enforcing: nil).rate < 1)
    }
}
