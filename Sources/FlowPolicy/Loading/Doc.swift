import Yams

/// A YAML mapping with its file and line, and typed, checked access to its fields.
struct Doc {
    let node: Node
    let file: String

    init(_ node: Node, file: String) {
        self.node = node
        self.file = file
    }

    var line: Int { node.mark?.line ?? 0 }

    func error(_ message: String, at n: Node? = nil) -> PolicyLoadError {
        PolicyLoadError(file: file, line: (n ?? node).mark?.line ?? line, message)
    }

    private var mapping: Node.Mapping? { node.mapping }

    func has(_ key: String) -> Bool { mapping?[key] != nil }

    /// Unknown keys are errors (`nil` allows anything).
    func check(_ allowed: Set<String>?) throws(PolicyLoadError) {
        guard let allowed else { return }
        guard let m = mapping else { throw error("expected a mapping") }
        for (k, v) in m {
            guard let key = k.string else { throw error("a key must be a string", at: k) }
            if !allowed.contains(key) {
                throw error("unknown field \"\(key)\" (expected one of: \(allowed.sorted().joined(separator: ", ")))", at: v)
            }
        }
    }

    func string(_ key: String, required: Bool = false) throws(PolicyLoadError) -> String? {
        guard let v = mapping?[key] else {
            if required { throw error("\(key) is required") }
            return nil
        }
        guard case .scalar = v, let s = v.string else { throw error("\(key) must be a string", at: v) }
        return s
    }

    /// A scalar as text (numbers included: `protocol: 6`).
    func scalar(_ key: String) throws(PolicyLoadError) -> String? {
        guard let v = mapping?[key] else { return nil }
        guard case .scalar(let s) = v else { throw error("\(key) must be a scalar", at: v) }
        return s.string
    }

    func int(_ key: String) throws(PolicyLoadError) -> Int? {
        guard let v = mapping?[key] else { return nil }
        guard let i = v.int else { throw error("\(key) must be an integer", at: v) }
        return i
    }

    /// A port number as Calico accepts it: an integer from 0 to 65535.
    func port(_ key: String) throws(PolicyLoadError) -> Int? {
        guard let n = try int(key) else { return nil }
        guard Self.portRange.contains(Int64(n)) else { throw error("\(key) \(n) is not a port (0-65535)", at: mapping?[key]) }
        return n
    }

    static let portRange: ClosedRange<Int64> = 0...65535

    /// A finite number (an `order`: NaN or infinity would make policy order undefined, and Calico refuses them).
    func double(_ key: String) throws(PolicyLoadError) -> Double? {
        guard let v = mapping?[key] else { return nil }
        guard let d = v.float ?? v.int.map(Double.init) else { throw error("\(key) must be a number", at: v) }
        guard d.isFinite else { throw error("\(key) must be a finite number, not \(v.string ?? "\(d)")", at: v) }
        return d
    }

    func bool(_ key: String) throws(PolicyLoadError) -> Bool? {
        guard let v = mapping?[key] else { return nil }
        guard let b = v.bool else { throw error("\(key) must be true or false", at: v) }
        return b
    }

    func strings(_ key: String) throws(PolicyLoadError) -> [String]? {
        guard let v = mapping?[key] else { return nil }
        guard let seq = v.sequence else { throw error("\(key) must be a list", at: v) }
        var out: [String] = []
        for item in seq {
            guard case .scalar(let s) = item else { throw error("\(key) must hold strings", at: item) }
            out.append(s.string)
        }
        return out
    }

    func stringMap(_ key: String) throws(PolicyLoadError) -> [String: String]? {
        guard let v = mapping?[key] else { return nil }
        guard let m = v.mapping else { throw error("\(key) must be a mapping", at: v) }
        var out: [String: String] = [:]
        for (k, val) in m {
            guard let ks = k.string, case .scalar(let s) = val else { throw error("\(key) must map strings to strings", at: val) }
            out[ks] = s.string
        }
        return out
    }

    func child(_ key: String, allowed: Set<String>?) throws(PolicyLoadError) -> Doc? {
        guard let v = mapping?[key] else { return nil }
        if case .scalar(let s) = v, s.string.isEmpty || s.string == "null" { return nil }
        guard v.mapping != nil else { throw error("\(key) must be a mapping", at: v) }
        let d = Doc(v, file: file)
        try d.check(allowed)
        return d
    }

    func children(_ key: String) throws(PolicyLoadError) -> [Doc]? {
        guard let v = mapping?[key] else { return nil }
        if case .scalar(let s) = v, s.string.isEmpty || s.string == "null" { return [] }
        guard let seq = v.sequence else { throw error("\(key) must be a list", at: v) }
        return seq.map { Doc($0, file: file) }
    }

    func selector(_ key: String) throws(PolicyLoadError) -> Selector? {
        guard let text = try string(key) else { return nil }
        do {
            return try SelectorParser.parse(text)
        } catch {
            throw self.error("\(key): " + error.render(text), at: mapping?[key])
        }
    }

    /// `ports: [80, "8080:8090", "http"]`.
    func ports(_ key: String) throws(PolicyLoadError) -> [PortMatch] {
        guard let v = mapping?[key] else { return [] }
        guard let seq = v.sequence else { throw error("\(key) must be a list", at: v) }
        var out: [PortMatch] = []
        for item in seq {
            guard case .scalar(let s) = item else { throw error("\(key) must hold ports", at: item) }
            let text = s.string
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            if let n = Int64(text) {
                guard Self.portRange.contains(n) else { throw error("\(key): \(n) is not a port (0-65535)", at: item) }
                out.append(.range(n, n))
            } else if parts.count == 2, let lo = Int64(parts[0]), let hi = Int64(parts[1]) {
                guard Self.portRange.contains(lo), Self.portRange.contains(hi), lo <= hi else {
                    throw error("\(key): \(text) is not a port range (low:high, both 0-65535, low first)", at: item)
                }
                out.append(.range(lo, hi))
            } else if Self.isPortName(text) {
                out.append(.named(text))
            } else {
                throw error("\(key): \(text) is neither a port, a range low:high nor a port name", at: item)
            }
        }
        return out
    }

    /// A named port as Kubernetes and Calico accept one (IANA service name): 1-15 lowercase letters, digits and
    /// single inner hyphens, with at least one letter.
    static func isPortName(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard (1...15).contains(b.count), b.first != UInt8(ascii: "-"), b.last != UInt8(ascii: "-") else { return false }
        var letter = false
        for (i, c) in b.enumerated() {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): letter = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): break
            case UInt8(ascii: "-"): if b[i - 1] == UInt8(ascii: "-") { return false }
            default: return false
            }
        }
        return letter
    }

    /// FelixConfiguration failsafe lists as `proto:port`.
    func protoPorts(_ key: String) throws(PolicyLoadError) -> [String]? {
        guard let list = try children(key) else { return nil }
        var out: [String] = []
        for item in list {
            guard let port = try item.port("port") else { throw item.error("\(key) entries need a port") }
            out.append("\((try item.string("protocol") ?? "tcp").lowercased()):\(port)")
        }
        return out
    }

    /// A Kubernetes label selector (`matchLabels`, `matchExpressions`) as a Calico selector.
    func labelSelector(_ key: String) throws(PolicyLoadError) -> Selector? {
        guard let d = try child(key, allowed: ["matchLabels", "matchExpressions"]) else {
            return has(key) ? .all : nil
        }
        var terms: [Selector] = []
        for (k, v) in (try d.stringMap("matchLabels") ?? [:]).sorted(by: { $0.key < $1.key }) { terms.append(.equals(k, v)) }
        for e in try d.children("matchExpressions") ?? [] {
            let k = try e.string("key", required: true)!
            let vals = try e.strings("values") ?? []
            switch try e.string("operator", required: true)! {
            case "In": terms.append(.inSet(k, vals))
            case "NotIn": terms.append(.notInSet(k, vals))
            case "Exists": terms.append(.has(k))
            case "DoesNotExist": terms.append(.not(.has(k)))
            default: throw e.error("operator must be In, NotIn, Exists or DoesNotExist")
            }
        }
        return .allOf(terms)
    }
}
