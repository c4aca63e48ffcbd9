import FlowLog

/// A query with its meaning settled and no storage in it: fields resolved, values typed, dates and CIDRs computed.
/// ``FilterBuilder`` makes it from KQL or Lucene (as Kibana turns KQL into Elasticsearch's query DSL); each
/// storage backend compiles it to its own SQL, so that both give the same answers.
public indirect enum Filter: Sendable, Equatable {
    /// Every line.
    case always
    /// No line.
    case never
    case and([Filter])
    case or([Filter])
    /// Elasticsearch's `must_not`: a line where the inner test cannot be decided (the field is missing) matches.
    case not(Filter)
    /// The field's value (any element of a list field) passes the test.
    case test(Field, ValueTest)
    /// Free text: any of these fields passes its test. A backend may search the connection-level ones together.
    case anyField([FieldTest])
    /// `source_labels:{…}`: the inner predicate, made of ``element(_:)`` tests, holds for one and the same label.
    case label(Side, Filter)
    /// A test on the label inside ``label(_:_:)``.
    case element(ValueTest)

    /// Whether every test reads a field that is the same on all lines of a connection (``Field/isConnectionLevel``):
    /// then every line of a connection matches or none does, and counts can come from the connections' roll-up.
    public var isConnectionLevel: Bool {
        switch self {
        case .always, .never, .element: return true
        case .and(let items), .or(let items): return items.allSatisfy(\.isConnectionLevel)
        case .not(let inner), .label(_, let inner): return inner.isConnectionLevel
        case .test(let f, _): return f.isConnectionLevel
        case .anyField: return false
        }
    }

    /// Both, simplified where one side is ``always``.
    public func and(_ other: Filter?) -> Filter {
        guard let other, other != .always else { return self }
        if self == .always { return other }
        return .and([self, other])
    }
}

/// One field and a test of its value.
public struct FieldTest: Sendable, Equatable {
    public var field: Field
    public var test: ValueTest

    public init(_ field: Field, _ test: ValueTest) {
        self.field = field
        self.test = test
    }
}

/// A test of one value, typed by the field it applies to.
public enum ValueTest: Sendable, Equatable {
    /// The value is present (`field:*`).
    case exists
    /// Equal to a keyword (case-sensitive, as Elasticsearch's keyword fields).
    case text(String)
    /// Equal to a keyword ignoring case: the value compared in lowercase with this (lowercased) text.
    case textIgnoringCase(String)
    /// A number equal to this.
    case number(Number)
    /// A wildcard pattern on the value's text (a number's decimal text, an address's text); `ignoreCase` compares
    /// lowercase values with the (lowercased) pattern.
    case pattern([PatternPiece], ignoreCase: Bool)
    /// A comparison with a number (numbers, and dates in the field's unit).
    case compare(RangeOp, Number)
    /// A comparison of keywords, as text.
    case compareText(RangeOp, String)
    /// A date in [lo, hi] in the field's unit (a date value is a range: `start_time:2026-11-23` is the whole day).
    case between(Int64, Int64)
    /// The address equals this one (IPv4 also in its IPv4-mapped IPv6 form, as Felix may write either).
    case address(IPKey)
    /// The address lies in [lo, hi] (a CIDR block).
    case addressRange(IPKey, IPKey, cidr: String)
    /// A comparison of addresses in key order.
    case compareAddress(RangeOp, IPKey)
}

/// A number of a query: an integer, or a decimal.
public enum Number: Sendable, Equatable {
    case int(Int64)
    case real(Double)
}

/// An address as its 16-byte key (IPv4 as IPv4-mapped IPv6), which orders as addresses order.
public struct IPKey: Sendable, Equatable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The address's canonical text.
    public var text: String { IPAddress.text(bytes) }
    /// The four octets of an IPv4(-mapped) address, else `nil`.
    public var ipv4: [UInt8]? { IPAddress.ipv4(of: bytes).map(Array.init) }

    /// The leading octets of an octet-aligned IPv4 block (`10.0.0.0/16` → [10, 0]; `/0` → []) starting at `low`, or
    /// `nil` for any other block: such a block is a prefix of the addresses' text, which a store matches without
    /// parsing every address.
    public static func octetPrefix(low: IPKey, cidr: String) -> [UInt8]? {
        guard let v4 = low.ipv4, let bits = Int(cidr.split(separator: "/").last ?? ""), bits % 8 == 0, bits <= 32 else { return nil }
        return Array(v4.prefix(bits / 8))
    }
}
