import ArgumentParser
import FlowQuery
import FlowSample
import Logging

// Command-line values as types: `--help` lists the choices, and a wrong value gets ArgumentParser's message
// (exit 2 through ``ErrorReporter``).

/// `flowq query --format`.
enum RowFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json, ndjson, csv
}

/// `flowq report --format` (and `simulate`).
enum ReportFormat: String, CaseIterable, ExpressibleByArgument {
    case md, html, json

    init?(argument: String) {
        self.init(rawValue: argument == "markdown" ? "md" : argument)
    }
}

/// `flowq sample --compress`.
enum SampleCompression: String, CaseIterable, ExpressibleByArgument {
    case none, gz, zst

    init?(argument: String) {
        switch argument {
        case "gzip": self = .gz
        case "zstd": self = .zst
        default: self.init(rawValue: argument)
        }
    }

    var writer: SampleWriter.Compression {
        switch self {
        case .none: .none
        case .gz: .gzip
        case .zst: .zstd
        }
    }
}

extension QuerySyntax: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension Era: ExpressibleByArgument {}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// A length of time written `30s`, `15m`, `1h`, `7d`, `2w` (decimals allowed: `1.5h`): `--retain`,
/// `--report-every`, `--min-window`, and the relative form of `--since`/`--until`. At most 100 years.
struct TimeLength: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    /// Whole seconds.
    var seconds: Int64

    static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
    static let maximumSeconds: Double = 100 * 365.25 * 86_400

    init(seconds: Int64) { self.seconds = seconds }

    /// Parses `<number><unit>`; nil for anything else (a bare number, a negative or huge value, NaN).
    init?(argument: String) {
        let text = argument.lowercased()
        guard let unit = text.last, let scale = Self.units[unit] else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(digits)
        else { return nil }
        let total = value * scale
        guard total.isFinite, total >= 0, total <= Self.maximumSeconds else { return nil }
        seconds = Int64(total.rounded())
    }

    var hours: Double { Double(seconds) / 3600 }

    var description: String { "\(seconds)s" }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension SampleGenerator.Shape: ExpressibleByArgument {}
