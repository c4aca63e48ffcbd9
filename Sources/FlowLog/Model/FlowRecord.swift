/// One flow-log line, normalised: every key Felix (or fluentd, or Linseed) writes, of every era.
///
/// Absent keys and JSON `null` are both `nil`. Lists keep the difference between `null` (`nil`) and `[]`.
/// Keys the decoder does not know are kept, with their raw JSON value, in ``extra``.
public struct FlowRecord: Sendable, Hashable {
    /// Text values, indexed by ``TextKey``.
    public var texts: [String?]
    /// Integer values, indexed by ``IntKey``.
    public var ints: [Int64?]
    /// List values, indexed by ``ListKey``: strings, or decimal numbers for `nat_outgoing_ports`.
    public var lists: [[String]?]
    /// `source_labels.labels` (`nil` when `source_labels` is null or absent).
    public var sourceLabels: [String]?
    /// `dest_labels.labels`.
    public var destLabels: [String]?
    /// The `policies` object (`nil` when null or absent).
    public var policies: PolicyLists?
    /// Unknown keys with their raw JSON values, in line order.
    public var extra: [ExtraField]

    /// An empty record: every key absent.
    public init() {
        texts = Array(repeating: nil, count: TextKey.allCases.count)
        ints = Array(repeating: nil, count: IntKey.allCases.count)
        lists = Array(repeating: nil, count: ListKey.allCases.count)
        sourceLabels = nil
        destLabels = nil
        policies = nil
        extra = []
    }

    /// Makes every key absent again, keeping the storage (a pass over the slots; why ingest decodes into kept
    /// records instead of new ones: `RecordRecycler`).
    public mutating func reset() {
        texts.withUnsafeMutableBufferPointer { $0.update(repeating: nil) }
        ints.withUnsafeMutableBufferPointer { $0.update(repeating: nil) }
        lists.withUnsafeMutableBufferPointer { $0.update(repeating: nil) }
        sourceLabels = nil
        destLabels = nil
        policies = nil
        if !extra.isEmpty { extra.removeAll(keepingCapacity: true) }
    }

    @inlinable
    public subscript(key: TextKey) -> String? {
        get { texts[key.rawValue] }
        set { texts[key.rawValue] = newValue }
    }

    @inlinable
    public subscript(key: IntKey) -> Int64? {
        get { ints[key.rawValue] }
        set { ints[key.rawValue] = newValue }
    }

    @inlinable
    public subscript(key: ListKey) -> [String]? {
        get { lists[key.rawValue] }
        set { lists[key.rawValue] = newValue }
    }
}

/// A key the decoder does not know, kept with its raw JSON text.
public struct ExtraField: Sendable, Hashable {
    public var key: String
    /// The value exactly as it appeared in the line (valid JSON).
    public var rawJSON: String

    public init(key: String, rawJSON: String) {
        self.key = key
        self.rawJSON = rawJSON
    }
}
