import FlowLog
import FlowPolicy
import Foundation
import TestSupport
import Testing

func policies(_ yaml: String) throws -> PolicySet {
    var l = PolicyLoader()
    try l.load(yaml: yaml, file: "test.yaml")
    return l.set
}

func pod(_ ns: String, _ labels: [String: String], ip: String? = "10.0.0.1", port: Int64? = nil) -> SimulatedEndpoint {
    SimulatedEndpoint(type: "wep", namespace: ns, name: "p-*", labels: labels, ips: ip.map { [$0] } ?? [], port: port)
}

func flow(_ d: Direction, _ src: SimulatedEndpoint, _ dst: SimulatedEndpoint, _ proto: String = "tcp") -> SimulatedFlow {
    SimulatedFlow(direction: d, source: src, destination: dst, proto: proto)
}

@Suite struct SimulatorTests {
    static let tiers = """
        apiVersion: projectcalico.org/v3
        kind: Tier
        metadata: {name: security}
        spec: {order: 100}
        ---
        apiVersion: projectcalico.org/v3
        kind: Tier
        metadata: {name: platform}
        spec: {order: 200, defaultAction: Pass}
        """

    @Test func tiersPassAndEndOfTier() throws {
        let set = try policies(Self.tiers + """

            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: security.pass-all}
            spec:
              tier: security
              order: 10
              selector: all()
              types: [Ingress]
              ingress: [{action: Pass}]
            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: platform.nothing}
            spec:
              tier: platform
              selector: app == 'web'
              types: [Ingress]
              ingress: [{action: Allow, protocol: UDP}]
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: allow-api, namespace: shop}
            spec:
              tier: default
              order: 5
              selector: app == 'web'
              types: [Ingress]
              ingress:
              - action: Allow
                protocol: TCP
                source: {selector: app == 'api'}
                destination: {ports: [8080, "9000:9100"]}
            """)
        let sim = PolicySimulator(set)
        let web = pod("shop", ["app": "web"], port: 8080)
        // security passes; platform selects web but no rule matches TCP: its default is Pass; default allows.
        let r = sim.evaluate(flow(.ingress, pod("shop", ["app": "api"]), web))
        #expect(r.outcome == .allow && r.policy == "shop/allow-api" && r.ruleIndex == 0)
        // Port range.
        #expect(sim.evaluate(flow(.ingress, pod("shop", ["app": "api"]), pod("shop", ["app": "web"], port: 9050))).outcome == .allow)
        // The default tier selected web, no rule matched: end of tier deny.
        let denied = sim.evaluate(flow(.ingress, pod("shop", ["app": "other"]), web))
        #expect(denied.outcome == .deny && denied.ruleIndex == -1 && denied.tier == "default")
        // A namespaced policy's rule selector stays in its namespace.
        #expect(sim.evaluate(flow(.ingress, pod("other", ["app": "api"]), web)).outcome == .deny)
        // Nothing selects this pod: its namespace profile allows.
        let free = sim.evaluate(flow(.ingress, pod("shop", ["app": "api"]), pod("shop", ["app": "db"], port: 5432)))
        #expect(free.outcome == .allow && free.kind == "pro")
    }

    @Test func ruleFields() throws {
        let set = try policies("""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: rules}
            spec:
              selector: role == 'client'
              types: [Egress]
              egress:
              - {action: Deny, protocol: TCP, destination: {nets: [10.9.0.0/16]}}
              - {action: Allow, protocol: TCP, destination: {notNets: [10.0.0.0/8], ports: [443]}}
              - {action: Allow, destination: {domains: ["*.quay.io", "gcr.io"]}}
              - {action: Allow, notProtocol: TCP, destination: {notPorts: [53]}}
              - {action: Allow, protocol: TCP, destination: {selector: app == 'db', namespaceSelector: projectcalico.org/name == 'data', ports: [5432]}}
              - {action: Allow, protocol: 17, destination: {ports: [53]}}
              - {action: Allow, protocol: TCP, destination: {ports: [http]}}
            """)
        let sim = PolicySimulator(set)
        let client = pod("app", ["role": "client"])
        func to(_ ip: String?, _ port: Int64?, proto: String = "tcp", labels: [String: String]? = nil, ns: String? = nil,
                type: String = "net", domains: [String] = [], portName: String? = nil) -> SimulationResult {
            sim.evaluate(flow(.egress, client, SimulatedEndpoint(
                type: type, namespace: ns, name: "x", labels: labels, ips: ip.map { [$0] } ?? [], port: port,
                portName: portName, domains: domains), proto))
        }
        #expect(to("10.9.1.1", 443).outcome == .deny)  // nets
        #expect(to("8.8.8.8", 443).ruleIndex == 1)  // notNets + ports
        #expect(to("10.1.1.1", 443, domains: ["cdn.quay.io"]).ruleIndex == 2)  // domains
        #expect(to("10.1.1.1", 443, domains: ["gcr.io"]).ruleIndex == 2)
        #expect(to("10.1.1.1", 9999, proto: "udp").ruleIndex == 3)  // notProtocol + notPorts
        #expect(to("10.2.2.2", 5432, labels: ["app": "db"], ns: "data", type: "wep").ruleIndex == 4)  // selector + namespaceSelector
        #expect(to("10.2.2.2", 53, proto: "udp").ruleIndex == 5)  // numeric protocol
        #expect(to("10.3.3.3", 8443, labels: [:], ns: "web", type: "wep", portName: "http").ruleIndex == 6)  // named port
        // What the log lacks makes the result uncertain, never a guess.
        #expect(to(nil, 443).outcome == .uncertain)  // address aggregated away, nets rule first
        #expect(to("10.3.3.3", 8443, labels: [:], ns: "web", type: "wep").outcome == .uncertain)  // named port not logged
        // Nothing allows it: end of tier.
        #expect(to("10.1.1.1", 22, labels: ["x": "y"], ns: "web", type: "wep", portName: "ssh").outcome == .deny)
    }

    @Test func stagedPoliciesAndSelection() throws {
        let set = try policies("""
            apiVersion: projectcalico.org/v3
            kind: StagedGlobalNetworkPolicy
            metadata: {name: default-deny}
            spec: {selector: all(), types: [Ingress, Egress]}
            ---
            apiVersion: projectcalico.org/v3
            kind: StagedNetworkPolicy
            metadata: {name: allow-web, namespace: shop}
            spec:
              order: 10
              selector: app == 'web'
              ingress: [{action: Allow}]
            """)
        let f = flow(.ingress, pod("shop", ["app": "x"]), pod("shop", ["app": "web"], port: 80))
        #expect(PolicySimulator(set).evaluate(f).outcome == .allow)  // staged allow comes first
        #expect(PolicySimulator(set, enforcing: StagedSelection(["default-deny"])).evaluate(f).outcome == .deny)
        #expect(PolicySimulator(set, includeStaged: false).evaluate(f).outcome == .allow)  // profile
    }

    @Test func kubernetesNetworkPolicy() throws {
        let set = try policies("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: db, namespace: data}
            spec:
              podSelector: {matchLabels: {app: db}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
                  podSelector: {matchExpressions: [{key: app, operator: In, values: [api]}]}
                ports: [{protocol: TCP, port: 5432}]
            """)
        let sim = PolicySimulator(set)
        let db = pod("data", ["app": "db"], port: 5432)
        #expect(sim.evaluate(flow(.ingress, pod("shop", ["app": "api"]), db)).outcome == .allow)
        #expect(sim.evaluate(flow(.ingress, pod("other", ["app": "api"]), db)).outcome == .deny)
    }

    @Test func invalidFilesNameFileAndLine() {
        #expect(throws: PolicyLoadError.self) { try policies("kind: [") }
        do {
            _ = try policies("""
                apiVersion: projectcalico.org/v3
                kind: GlobalNetworkPolicy
                metadata: {name: x}
                spec:
                  selector: all()
                  ingres: []
                """)
            Issue.record("accepted an unknown field")
        } catch let error as PolicyLoadError {
            #expect(error.line == 6 && error.message.contains("unknown field \"ingres\""), "\(error)")
        } catch {
            Issue.record("\(error)")
        }
        do {
            _ = try policies("apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: x}\nspec:\n  selector: app ==\n")
            Issue.record("accepted a bad selector")
        } catch let error as PolicyLoadError {
            #expect(error.line == 5 && error.message.contains("selector"))
        } catch {
            Issue.record("\(error)")
        }
    }

    /// The seed's two platform policies plus a global default-deny, against the sample's host traffic.
    @Test func seedPlatformPoliciesOnTheSampleHosts() throws {
        let seed = try String(contentsOf: Repo.sampleLogs("policies/platform.yaml").url, encoding: .utf8)
        let set = try policies(seed)
        let sim = PolicySimulator(set)
        let cpLabels = ["projectcalico.org/auto-hep": "true", "node-role.kubernetes.io/control-plane": "",
                        "kubernetes.io/hostname": "ip-10-0-1-20.eu-west-1.compute.internal"]
        let wLabels = ["projectcalico.org/auto-hep": "true", "node-role.kubernetes.io/worker": ""]
        func hep(_ labels: [String: String], _ ip: String, port: Int64? = nil) -> SimulatedEndpoint {
            SimulatedEndpoint(type: "hep", namespace: nil, name: ip, labels: labels, ips: [ip], port: port)
        }
        func net(_ ip: String, _ port: Int64, domains: [String] = []) -> SimulatedEndpoint {
            SimulatedEndpoint(type: "net", namespace: nil, name: "pub", labels: nil, ips: [ip], port: port, domains: domains)
        }
        // kubelet from the control plane: allowed on both sides.
        #expect(sim.evaluate(flow(.egress, hep(cpLabels, "10.0.1.20"), hep(wLabels, "10.0.1.30", port: 10250))).outcome == .allow)
        #expect(sim.evaluate(flow(.ingress, hep(cpLabels, "10.0.1.20"), hep(wLabels, "10.0.1.30", port: 10250))).outcome == .allow)
        // calico-node and ingress-nginx between nodes.
        #expect(sim.evaluate(flow(.ingress, hep(wLabels, "10.0.1.31"), hep(wLabels, "10.0.1.30", port: 9900))).outcome == .allow)
        #expect(sim.evaluate(flow(.egress, hep(cpLabels, "10.0.1.20"), hep(wLabels, "10.0.1.30", port: 10254))).outcome == .allow)
        // localhost.
        #expect(sim.evaluate(flow(.egress, hep(wLabels, "127.0.0.1"), hep(wLabels, "127.0.0.1", port: 10248))).outcome == .allow)
        // The listed registries.
        #expect(sim.evaluate(flow(.egress, hep(wLabels, "10.0.1.30"), net("3.224.102.5", 443, domains: ["cdn01.quay.io"]))).outcome == .allow)
        // Cloud metadata and anything else: denied by the default deny.
        let meta = sim.evaluate(flow(.egress, hep(wLabels, "10.0.1.30"), net("169.254.169.254", 80)))
        #expect(meta.outcome == .deny && meta.policy == "default-deny")
        #expect(sim.evaluate(flow(.egress, hep(wLabels, "10.0.1.30"), net("140.82.112.6", 443, domains: ["api.github.com"]))).outcome == .deny)
    }
}

extension String {
    var url: URL { URL(fileURLWithPath: self) }
}
