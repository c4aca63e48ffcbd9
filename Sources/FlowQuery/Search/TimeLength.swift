/// A length of time written `30s`, `15m`, `1h`, `7d`, `2w` (decimals allowed: `1.5h`): `--retain`,
/// `--report-every`, `--min-window`, the relative form of `--since`/`--until`, and the API's `since`/`until`.
/// At most 100 years.
public struct TimeLength: Sendable, Equatable, CustomStringConvertible {
    /// Whole seconds.
    public var seconds: Int64

    static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
    static let maximumSeconds: Double = 100 * 365.25 * 86_400

    public init(seconds: Int64) { self.seconds = seconds }

    /// Parses `<number><unit>`; nil for anything else (a bare number, a negative or huge value, NaN).
    public init?(parsing argument: String) {
        let text = argument.lowercased()
        guard let unit = text.last, let scale = Self.units[unit] else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(digits)
        else { return nil }
        let total = value * scale
        guard total.isFinite, total >= 0, total <= Self.maximumSeconds else { return nil }
        seconds = Int64(total.rounded())
    }

    public var hours: Double { Double(seconds) / 3600 }

    public var description: String { "\(seconds)s" }
}
