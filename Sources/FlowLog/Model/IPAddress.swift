/// IPv4/IPv6 parsing into a sortable 16-byte key (IPv4 as `::ffff:a.b.c.d`), and CIDR ranges.
public enum IPAddress {
    /// The 16-byte key of an address, or `nil` if the text is not an IP address.
    public static func key(_ text: String) -> [UInt8]? {
        if text.contains(":") { return v6(text) }
        guard let v4 = v4(text) else { return nil }
        return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + v4
    }

    /// The four IPv4 bytes of a key, or `nil` for an IPv6 address (keys hold IPv4 as `::ffff:a.b.c.d`).
    public static func ipv4(of key: [UInt8]) -> ArraySlice<UInt8>? {
        key.count == 16 && key[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF][...] ? key[12...] : nil
    }

    /// The lowest and highest keys of a CIDR block (`10.0.0.0/8`, `fd00::/8`), or `nil` if malformed.
    public static func cidr(_ text: String) -> (low: [UInt8], high: [UInt8])? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let base = key(String(parts[0])), let bits = Int(parts[1]) else { return nil }
        let isV4 = !parts[0].contains(":")
        guard bits >= 0, bits <= (isV4 ? 32 : 128) else { return nil }
        let prefix = isV4 ? bits + 96 : bits
        var low = base, high = base
        for i in 0..<16 {
            let keep = max(0, min(8, prefix - i * 8))
            let mask: UInt8 = keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
            low[i] = base[i] & mask
            high[i] = base[i] | ~mask
        }
        return (low, high)
    }

    /// The canonical text of a key (RFC 5952 for IPv6, dotted quad for IPv4 and IPv4-mapped), as Go prints it.
    public static func text(_ key: [UInt8]) -> String {
        if let v4 = ipv4(of: key) { return v4.map(String.init).joined(separator: ".") }
        var groups: [UInt16] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(UInt16(key[i]) << 8 | UInt16(key[i + 1])) }
        // The longest run of two or more zero groups becomes "::" (the first, on a tie).
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > best.length && j - i >= 2 { best = (i, j - i) }
                i = j
            } else {
                i += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        if best.start < 0 { return hex.joined(separator: ":") }
        let head = hex[0..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    /// Whether `ip` is inside `cidr` (a bare address counts as /32 or /128).
    public static func contains(cidr: String, _ ip: String) -> Bool {
        let block = cidr.contains("/") ? cidr : cidr + (cidr.contains(":") ? "/128" : "/32")
        guard let (lo, hi) = self.cidr(block), let k = key(ip) else { return false }
        return !k.lexicographicallyPrecedes(lo) && !hi.lexicographicallyPrecedes(k)
    }

    /// Whether the address is loopback (127.0.0.0/8 or ::1).
    public static func isLoopback(_ text: String) -> Bool {
        guard let k = key(text) else { return false }
        if let v4 = ipv4(of: k) { return v4.first == 127 }
        return k == [UInt8](repeating: 0, count: 15) + [1]
    }

    private static func v4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), let v = UInt8(p) else { return nil }
            out.append(v)
        }
        return out
    }

    private static func v6(_ text: String) -> [UInt8]? {
        var s = Substring(text)
        if let pct = s.firstIndex(of: "%") { s = s[..<pct] }  // zone index
        var tail4: [UInt8] = []
        if let lastColon = s.lastIndex(of: ":"), s[s.index(after: lastColon)...].contains(".") {
            guard let v4 = v4(String(s[s.index(after: lastColon)...])) else { return nil }
            tail4 = v4
            s = s[...lastColon]
            if s.hasSuffix(":") && !s.hasSuffix("::") { s = s.dropLast() }
        }
        let halves = s.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ h: Substring) -> [UInt16]? {
            if h.isEmpty { return [] }
            var out: [UInt16] = []
            for g in h.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        let tail = halves.count == 2 ? groups(halves[1]) : []
        guard let tail else { return nil }
        let total = 8 - tail4.count / 2
        var all: [UInt16]
        if halves.count == 2 {
            guard head.count + tail.count < total + 1, head.count + tail.count <= total else { return nil }
            all = head + Array(repeating: 0, count: total - head.count - tail.count) + tail
        } else {
            guard head.count == total else { return nil }
            all = head
        }
        var out: [UInt8] = []
        for g in all { out += [UInt8(g >> 8), UInt8(g & 0xFF)] }
        return out + tail4
    }
}

extension Substring {
    fileprivate func components(separatedBy sep: String) -> [Substring] {
        var out: [Substring] = []
        var rest = self
        while let r = rest.firstRange(of: sep) {
            out.append(rest[..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        out.append(rest)
        return out
    }
}
