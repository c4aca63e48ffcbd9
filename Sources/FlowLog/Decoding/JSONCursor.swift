/// A byte-level cursor over one JSON text.
///
/// Written by hand because Foundation's `JSONDecoder` decodes about 33k flow lines/s on this machine
/// and this byte scanner about 9x that (`Benchmarks/run.sh decode`); no package in our set offers a
/// fast, allocation-light, validating JSON reader for Linux.
/// It validates what it reads: strict JSON grammar, UTF-8, escapes and surrogate pairs.
struct JSONCursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos: Int = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        // An empty buffer may have no base address; point at a static byte instead.
        base = buffer.baseAddress ?? JSONCursor.emptyBase
        end = buffer.count
    }

    nonisolated(unsafe) private static let emptyBase: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    @inline(__always) var atEnd: Bool { pos >= end }
    @inline(__always) func peek() -> UInt8 { pos < end ? base[pos] : 0 }

    @inline(__always) mutating func skipWhitespace() {
        while pos < end {
            let c = base[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
        }
    }

    func fail(_ message: String, code: DecodeError.Code = .invalidJSON) -> DecodeError {
        if pos >= end && code == .invalidJSON { return DecodeError(.truncated, "line ends early: " + message, at: pos) }
        return DecodeError(code, message, at: pos)
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(DecodeError) {
        skipWhitespace()
        guard pos < end, base[pos] == byte else { throw fail("expected \(what)") }
        pos += 1
    }

    /// Consumes `null` if it is next (inlined: it comes before every value of a line, and is seldom there).
    @inline(__always)
    mutating func consumeNull() throws(DecodeError) -> Bool {
        if pos < end && base[pos] > 0x20 && base[pos] != UInt8(ascii: "n") { return false }
        skipWhitespace()
        guard peek() == UInt8(ascii: "n") else { return false }
        // The four bytes at once ("null" read as a little-endian word); anything else is an error, which `literal` words.
        if pos &+ 4 <= end && UnsafeRawPointer(base + pos).loadUnaligned(as: UInt32.self) == 0x6C6C_756E {
            pos &+= 4
            return true
        }
        try literal("null")
        return true
    }

    mutating func literal(_ word: StaticString) throws(DecodeError) {
        let n = word.utf8CodeUnitCount
        guard pos + n <= end else { throw fail("expected \(word)") }
        let w = word.utf8Start
        for i in 0..<n where base[pos + i] != w[i] { throw fail("expected \(word)") }
        pos += n
    }

    /// The bytes of a string whose opening quote is next, without escapes resolved, when it has none.
    /// Returns the range of the raw content and whether it needs escape processing / UTF-8 validation.
    @inline(__always)
    mutating func scanString() throws(DecodeError) -> (start: Int, end: Int, plain: Bool) {
        skipWhitespace()
        guard pos < end, base[pos] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        pos += 1
        let start = pos
        var plain = true
        while pos < end {
            // Eight bytes at a time while none is a quote, a backslash, a control or a non-ASCII byte
            // (SWAR: a byte equal to x has a zero in `w ^ x`; `(v - 0x01..) & ~v` flags the zero bytes). A borrow
            // can flag a byte above a flagged one, never below: the lowest flag is the first such byte, reached
            // directly instead of a byte at a time.
            while pos &+ 8 <= end {
                let w = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
                let quote = w ^ 0x2222_2222_2222_2222
                let backslash = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let flags = (((quote &- 0x0101_0101_0101_0101) & ~quote)
                    | ((backslash &- 0x0101_0101_0101_0101) & ~backslash)
                    | (w &- 0x2020_2020_2020_2020) | w) & 0x8080_8080_8080_8080
                if flags != 0 {
                    pos &+= flags.trailingZeroBitCount &>> 3
                    break
                }
                pos &+= 8
            }
            guard pos < end else { break }
            let c = base[pos]
            if c == UInt8(ascii: "\"") {
                let r = (start, pos, plain)
                pos += 1
                return r
            }
            if c == UInt8(ascii: "\\") {
                plain = false
                pos += 2
                continue
            }
            if c < 0x20 { throw fail("control character in string") }
            if c >= 0x80 { plain = false }
            pos += 1
        }
        pos = end
        throw fail("unterminated string")
    }

    /// Reads a JSON string value.
    mutating func readString() throws(DecodeError) -> String {
        let (s, e, plain) = try scanString()
        if plain {
            return String(decoding: UnsafeBufferPointer(start: base + s, count: e - s), as: UTF8.self)
        }
        return try decodeString(from: s, to: e)
    }

    /// Resolves escapes and validates UTF-8 in `base[s..<e]`.
    func decodeString(from s: Int, to e: Int) throws(DecodeError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(e - s)
        var i = s
        while i < e {
            let c = base[i]
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            guard i + 1 < e else { throw DecodeError(.invalidJSON, "dangling backslash", at: i) }
            let esc = base[i + 1]
            i += 2
            switch esc {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: i, limit: e)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard i + 6 <= e, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else {
                        throw DecodeError(.invalidJSON, "unpaired surrogate \\u\(String(scalar, radix: 16))", at: i)
                    }
                    let low = try hex4(at: i + 2, limit: e)
                    guard low >= 0xDC00 && low < 0xE000 else {
                        throw DecodeError(.invalidJSON, "unpaired surrogate \\u\(String(scalar, radix: 16))", at: i)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw DecodeError(.invalidJSON, "unpaired surrogate \\u\(String(scalar, radix: 16))", at: i)
                }
                appendUTF8(scalar, to: &out)
            default:
                throw DecodeError(.invalidJSON, "invalid escape \\\(Character(UnicodeScalar(esc)))", at: i - 2)
            }
        }
        guard let str = String(validating: out, as: UTF8.self) else {
            throw DecodeError(.invalidUTF8, "string is not valid UTF-8", at: s)
        }
        return str
    }

    private func hex4(at i: Int, limit: Int) throws(DecodeError) -> UInt32 {
        guard i + 4 <= limit else { throw DecodeError(.invalidJSON, "short \\u escape", at: i) }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = base[i + k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw DecodeError(.invalidJSON, "bad hex digit in \\u escape", at: i + k)
            }
            v = v << 4 | d
        }
        return v
    }

    private func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80: out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Scans a JSON number; returns its range and whether it is an integer (no fraction, no exponent).
    mutating func scanNumber() throws(DecodeError) -> (start: Int, end: Int, integer: Bool) {
        skipWhitespace()
        let start = pos
        var integer = true
        if peek() == UInt8(ascii: "-") { pos += 1 }
        let c = peek()
        if c == UInt8(ascii: "0") {
            pos += 1
        } else if c >= UInt8(ascii: "1") && c <= UInt8(ascii: "9") {
            while pos < end, base[pos] >= 0x30, base[pos] <= 0x39 { pos += 1 }
        } else {
            throw fail("expected a number")
        }
        if peek() == UInt8(ascii: ".") {
            integer = false
            pos += 1
            guard pos < end, base[pos] >= 0x30, base[pos] <= 0x39 else { throw fail("expected digits after '.'") }
            while pos < end, base[pos] >= 0x30, base[pos] <= 0x39 { pos += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            integer = false
            pos += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { pos += 1 }
            guard pos < end, base[pos] >= 0x30, base[pos] <= 0x39 else { throw fail("expected exponent digits") }
            while pos < end, base[pos] >= 0x30, base[pos] <= 0x39 { pos += 1 }
        }
        return (start, pos, integer)
    }

    /// Reads an integer that fits in Int64. The common case (a plain non-negative integer of at most 18 digits) is
    /// inlined where it is read, about thirty times a line; the rest is ``readIntSlowly(at:)``.
    @inline(__always)
    mutating func readInt() throws(DecodeError) -> Int64 {
        skipWhitespace()
        let at = pos
        // Fast path: a non-negative integer of at most 18 digits (cannot overflow), read in one pass.
        if pos < end, base[pos] &- 0x30 < 10 {
            var i = pos
            var v: Int64 = 0
            let limit = min(end, pos &+ 18)
            while i < limit {
                let d = base[i] &- 0x30
                if d >= 10 { break }
                v = v &* 10 &+ Int64(d)
                i &+= 1
            }
            let next: UInt8 = i < end ? base[i] : 0
            let leadingZero = base[pos] == 0x30 && i - pos > 1
            if !leadingZero && next &- 0x30 >= 10 && next != UInt8(ascii: ".") && next | 0x20 != UInt8(ascii: "e") {
                pos = i
                return v
            }
        }
        return try readIntSlowly(at: at)
    }

    /// A negative integer, one of 19 digits, or one that is not an integer (a clear error).
    @inline(never)
    private mutating func readIntSlowly(at: Int) throws(DecodeError) -> Int64 {
        let c = peek()
        guard c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) else {
            throw DecodeError(.wrongType, "expected an integer", at: at)
        }
        let (s, e, integer) = try scanNumber()
        guard integer else { throw DecodeError(.wrongType, "expected an integer, found a fraction", at: at) }
        var i = s
        var negative = false
        if base[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var v: Int64 = 0
        while i < e {
            let d = Int64(base[i] - 0x30)
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            if o1 || o2 { throw DecodeError(.wrongType, "integer out of range", at: at) }
            v = a
            i += 1
        }
        return v
    }

    /// The text of a number as written (for lists of numbers kept as text).
    mutating func readNumberText() throws(DecodeError) -> String {
        let (s, e, _) = try scanNumber()
        return String(decoding: UnsafeBufferPointer(start: base + s, count: e - s), as: UTF8.self)
    }

    /// Skips any JSON value, validating it, and returns its byte range.
    mutating func skipValue(depth: Int = 0) throws(DecodeError) -> Range<Int> {
        guard depth < 64 else { throw fail("nesting deeper than 64") }
        skipWhitespace()
        let start = pos
        switch peek() {
        case UInt8(ascii: "\""):
            let (s, e, plain) = try scanString()
            if !plain { _ = try decodeString(from: s, to: e) }
        case UInt8(ascii: "{"):
            pos += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { pos += 1; break }
            while true {
                let (s, e, plain) = try scanString()
                if !plain { _ = try decodeString(from: s, to: e) }
                try expect(UInt8(ascii: ":"), "':'")
                _ = try skipValue(depth: depth + 1)
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { pos += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                break
            }
        case UInt8(ascii: "["):
            pos += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { pos += 1; break }
            while true {
                _ = try skipValue(depth: depth + 1)
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { pos += 1; continue }
                try expect(UInt8(ascii: "]"), "',' or ']'")
                break
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try scanNumber()
        }
        return start..<pos
    }

    /// Calls `body` with the name of each member of an object whose `{` is next, the cursor at the member's value.
    mutating func forEachMember(_ body: (String, inout JSONCursor) throws(DecodeError) -> Void) throws(DecodeError) {
        try members({ c throws(DecodeError) in try c.readString() }, body)
    }

    /// Calls `body` with each member's name as `names` maps it (nil for a name not in it), the cursor at the
    /// member's value; an escape-free name is matched on its bytes, without a String.
    mutating func forEachMember<Value>(
        in names: ByteKeyTable<Value>, _ body: (Value?, inout JSONCursor) throws(DecodeError) -> Void
    ) throws(DecodeError) {
        try members(
            { c throws(DecodeError) in
                let (s, e, plain) = try c.scanString()
                return plain ? names.lookup(c.base + s, e - s) : names.byText[try c.decodeString(from: s, to: e)]
            }, body)
    }

    /// The members of an object whose `{` is next: `name` reads each name, `body` gets it with the cursor at the value.
    @inline(__always)
    private mutating func members<Name>(
        _ name: (inout JSONCursor) throws(DecodeError) -> Name, _ body: (Name, inout JSONCursor) throws(DecodeError) -> Void
    ) throws(DecodeError) {
        try expect(UInt8(ascii: "{"), "'{'")
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { pos += 1; return }
        while true {
            let n = try name(&self)
            try expect(UInt8(ascii: ":"), "':'")
            try body(n, &self)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { pos += 1; continue }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return
        }
    }

    /// Calls `body` once per element of an array whose `[` is next.
    mutating func forEachElement(_ body: (inout JSONCursor) throws(DecodeError) -> Void) throws(DecodeError) {
        try expect(UInt8(ascii: "["), "'['")
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { pos += 1; return }
        while true {
            try body(&self)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { pos += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']'")
            return
        }
    }
}
