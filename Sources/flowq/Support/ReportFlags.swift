import ArgumentParser
import FlowQuery
import FlowReport
import Foundation

/// The flags that shape a readiness analysis (report, simulate, and the collector's scheduled reports).
struct ReadinessFlags: ParsableArguments {
    @Option(help: "How long each host must have been observed for a verdict other than INSUFFICIENT EVIDENCE (24h, 2d, 90m).")
    var minWindow = TimeLength(seconds: 86_400)

    @Option(help: "A FelixConfiguration YAML whose failsafe ports replace the defaults.")
    var felixConfig: String?

    @Option(help: "A YAML list of {query, reason}: KQL for traffic that is expected to be denied.")
    var expected: String?

    /// The analysis options, enforcing the staged `policies` (all when empty).
    func options(policies: [String]) throws -> ReadinessOptions {
        try ReportCommand.readinessOptions(policies: policies, minWindow: minWindow, felixConfig: felixConfig, expected: expected)
    }
}

/// Where and how a report is written.
struct ReportOutput: ParsableArguments {
    @Option(help: "Output.")
    var format: ReportFormat = .md

    @Option(help: "Write the report to this file instead of stdout.")
    var out: String?

    /// Writes the report and exits with its verdict's code.
    func emit(_ report: ReadinessReport) throws {
        let text: String
        switch format {
        case .html: text = HTMLRenderer.render(report)
        case .json: text = try JSONRenderer.render(report)
        case .md: text = MarkdownRenderer.render(report)
        }
        if let out {
            do {
                try text.write(toFile: out, atomically: true, encoding: .utf8)
            } catch {
                throw fail("cannot write \(out): \(error.localizedDescription)")
            }
            Terminal.error("flowq: \(report.verdict.rawValue): report written to \(out)")
        } else {
            var o = StdoutBuffer()
            o.write(text)
            o.flush()
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
