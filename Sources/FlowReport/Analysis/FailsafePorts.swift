import FlowLog
import Foundation
import Yams

/// Felix's failsafe ports: host-endpoint traffic on these stays open whatever the policy (§4 of the format doc).
public struct FailsafePorts: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var proto: String
        public var port: Int64
        /// An optional CIDR the peer must be in.
        public var net: String?

        public init(proto: String, port: Int64, net: String?) {
            self.proto = proto
            self.port = port
            self.net = net
        }
    }

    public var inbound: [Entry]
    public var outbound: [Entry]

    /// Felix's defaults.
    public static let defaults = FailsafePorts(
        inbound: parse(["tcp:22", "udp:68", "tcp:179", "tcp:2379", "tcp:2380", "tcp:5473", "tcp:6443", "tcp:6666", "tcp:6667"]),
        outbound: parse(["udp:53", "udp:67", "tcp:179", "tcp:2379", "tcp:2380", "tcp:5473", "tcp:6443", "tcp:6666", "tcp:6667"]))

    /// `proto:port` items (`tcp:22`); malformed ones are skipped.
    public static func parse(_ items: [String]) -> [Entry] {
        items.compactMap { item in
            let parts = item.split(separator: ":")
            guard parts.count == 2, let port = Int64(parts[1]) else { return nil }
            return Entry(proto: String(parts[0]), port: port, net: nil)
        }
    }

    /// Whether host-endpoint traffic is covered: `inbound` for the destination host, else the source host.
    public func covers(inbound isInbound: Bool, proto: String?, port: Int64?, peerIP: String?) -> Bool {
        guard let proto, let port else { return false }
        return (isInbound ? inbound : outbound).contains { e in
            guard e.proto == proto.lowercased(), e.port == port else { return false }
            guard let net = e.net else { return true }
            guard let peerIP, let key = IPAddress.key(peerIP), let (lo, hi) = IPAddress.cidr(net) else { return false }
            return !key.lexicographicallyPrecedes(lo) && !hi.lexicographicallyPrecedes(key)
        }
    }

    /// Reads `failsafeInboundHostPorts`/`failsafeOutboundHostPorts` from a FelixConfiguration YAML (missing lists
    /// keep the defaults; `[]` disables).
    public static func load(felixConfigurationYAML text: String, file: String) throws -> FailsafePorts {
        var result = FailsafePorts.defaults
        var found = false
        for case let doc as [String: Any] in try YAMLDocuments.load(text, file: file) {
            guard doc["kind"] as? String == "FelixConfiguration", let spec = doc["spec"] as? [String: Any] else { continue }
            found = true
            for (key, inbound) in [("failsafeInboundHostPorts", true), ("failsafeOutboundHostPorts", false)] {
                guard let list = spec[key] else { continue }
                guard let items = list as? [Any] else { throw ReportError(.badInput, "\(file): \(key) must be a list") }
                var entries: [Entry] = []
                for item in items {
                    guard let m = item as? [String: Any], let port = (m["port"] as? Int).map(Int64.init) else {
                        throw ReportError(.badInput, "\(file): each \(key) entry needs a port")
                    }
                    entries.append(Entry(
                        proto: ((m["protocol"] as? String) ?? "tcp").lowercased(), port: port, net: m["net"] as? String))
                }
                if inbound { result.inbound = entries } else { result.outbound = entries }
            }
        }
        if !found { throw ReportError(.badInput, "\(file): no FelixConfiguration document") }
        return result
    }
}
