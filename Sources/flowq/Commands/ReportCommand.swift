import ArgumentParser
import FlowLog
import FlowPolicy
import FlowReport
import FlowStore
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Will enforcing the staged policies break legitimate traffic? Verdict, evidence and a fix.",
        discussion: """
            Exit codes: 0 READY, 3 NOT READY, 4 INSUFFICIENT EVIDENCE, 2 errors, so a CI job or a rollout can be
            gated on it.
            """
    )

    @Option(help: "Database path (default: $FLOWQ_DB or ./flowq.db).")
    var db: String = SQLiteStore.defaultPath

    @OptionGroup var window: TimeWindow

    @Option(help: "Output: md, html or json.")
    var format: String = "md"

    @Option(help: "Write the report to this file instead of stdout.")
    var out: String?

    @Option(name: .customLong("policy"), help: "Enforce only these staged policies (repeatable, * wildcards).")
    var policies: [String] = []

    @Option(help: "Hours of flows each host needs for a verdict other than INSUFFICIENT EVIDENCE.")
    var minWindow: String = "24h"

    @Option(help: "A FelixConfiguration YAML whose failsafe ports replace the defaults.")
    var felixConfig: String?

    @Option(help: "A YAML list of {query, reason}: KQL for traffic that is expected to be denied.")
    var expected: String?

    @Option(help: "An earlier JSON report: list new and resolved connections.")
    var compare: String?

    @Option(name: .customLong("policies"), help: "Policy YAML: simulate it wherever the log has no trace to decide from.")
    var policyPaths: [String] = []

    func run() throws {
        guard ["md", "markdown", "html", "json"].contains(format) else { throw fail("--format must be md, html or json") }
        var simulation: Simulation? = nil
        if !policyPaths.isEmpty {
            let set = try loadPolicies(policyPaths)
            simulation = Simulation(
                simulator: PolicySimulator(set, enforcing: policies.isEmpty ? nil : StagedSelection(policies)),
                mode: .whereUnknown)
        }
        let report = try ReportCommand.build(
            db: db, window: window, policies: policies, minWindow: minWindow, felixConfig: felixConfig,
            expected: expected, compare: compare, simulation: simulation)
        let text: String
        switch format {
        case "html": text = HTMLRenderer.render(report)
        case "json": text = try JSONRenderer.render(report)
        default: text = MarkdownRenderer.render(report)
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

    /// Builds a report.
    static func build(
        db: String, window: TimeWindow, policies: [String], minWindow: String, felixConfig: String?, expected: String?,
        compare: String?, simulation: Simulation? = nil
    ) throws -> ReadinessReport {
        var options = try readinessOptions(policies: policies, minWindow: minWindow, felixConfig: felixConfig, expected: expected)
        options.simulation = simulation
        options.since = try window.since.map { try TimeWindow.seconds($0, roundUp: false, flag: "--since") }
        options.until = try window.until.map { try TimeWindow.seconds($0, roundUp: true, flag: "--until") }
        let store = try withUserErrors { try SQLiteStore(path: db, readOnly: true) }
        var report = try withUserErrors { try ReadinessAnalyzer(store: store, options: options).run() }
        if let compare {
            do {
                report.compare(with: try JSONRenderer.decode(try read(compare)))
            } catch let e as ExitCode {
                throw e
            } catch {
                throw fail("\(compare) is not a flowq JSON report: \(error)")
            }
        }
        return report
    }

    /// The analysis options from the flags (shared with the collector's scheduled reports).
    static func readinessOptions(policies: [String], minWindow: String, felixConfig: String?, expected: String?) throws
        -> ReadinessOptions
    {
        let hours = try parseHours(minWindow)
        var failsafes = FailsafePorts.defaults
        var noise = NoiseRule.builtIn
        do {
            if let felixConfig {
                failsafes = try FailsafePorts.load(felixConfigurationYAML: try read(felixConfig), file: felixConfig)
            }
            if let expected { noise += try NoiseRule.load(yaml: try read(expected), file: expected) }
        } catch let e as ReportError {
            throw fail(e.description)
        }
        return ReadinessOptions(
            minimumWindowHours: hours, enforcing: policies.isEmpty ? nil : StagedSelection(policies), failsafes: failsafes,
            noise: noise, now: Int64(Date().timeIntervalSince1970))
    }

    static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw fail("cannot read \(path): \(error.localizedDescription)")
        }
    }

    static func parseHours(_ text: String) throws -> Double {
        let t = text.lowercased()
        if t.hasSuffix("h"), let v = Double(t.dropLast()) { return v }
        if t.hasSuffix("d"), let v = Double(t.dropLast()) { return v * 24 }
        if t.hasSuffix("m"), let v = Double(t.dropLast()) { return v / 60 }
        if let v = Double(t) { return v }
        throw fail("--min-window \"\(text)\" is not a duration: use 24h, 2d or 90m")
    }
}
