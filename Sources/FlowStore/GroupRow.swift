import FlowLog
import FlowQuery

/// One row of a `--group-by` result.
public struct GroupRow: Sendable, Equatable {
    public var keys: [String?]
    public var lines: Int64
    public var flows: Int64
    public var bytes: Int64
    public var packets: Int64

    public init(keys: [String?], lines: Int64, flows: Int64, bytes: Int64, packets: Int64) {
        (self.keys, self.lines, self.flows, self.bytes, self.packets) = (keys, lines, flows, bytes, packets)
    }

    /// The row as a JSON object: each field's value (or null), then the counts.
    public func jsonObject(by fields: [Field]) -> String {
        var o = "{"
        for (i, f) in fields.enumerated() { o += JSONText.string(f.name) + ":" + (keys[i].map(JSONText.string) ?? "null") + "," }
        return o + "\"lines\":\(lines),\"num_flows\":\(flows),\"bytes\":\(bytes),\"packets\":\(packets)}"
    }
}
