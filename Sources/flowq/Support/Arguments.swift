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

extension TimeLength: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var defaultCompletionKind: CompletionKind { .default }
}

extension SampleGenerator.Shape: ExpressibleByArgument {}
