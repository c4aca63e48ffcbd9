import ArgumentParser
import FlowLog
import FlowPolicy
import FlowQuery
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

    @Option(help: "The store: a SQLite file, or postgres://user@host:port/db (default: $FLOWQ_DB or ./flowq.db).")
    var db: String = StoreLocation.defaultValue

    @OptionGroup var window: TimeWindow

    @OptionGroup var output: ReportOutput

    @Option(name: .customLong("policy"), help: "Enforce only these staged policies (repeatable, * wildcards).")
    var policies: [String] = []

    @OptionGroup var flags: ReadinessFlags

    @Option(help: "An earlier JSON report: list new and resolved connections.")
    var compare: String?

    @Option(name: .customLong("policies"), help: "Policy YAML: simulate it wherever the log has no trace to decide from.")
    var policyPaths: [String] = []

    func run() throws {
        var simulation: Simulation? = nil
        if !policyPaths.isEmpty {
            let set = try loadPolicies(policyPaths)
            simulation = Simulation(
                simulator: PolicySimulator(set, enforcing: policies.isEmpty ? nil : StagedSelection(policies)),
                mode: .whereUnknown)
        }
        var options = try flags.options(policies: policies)
        options.simulation = simulation
        try output.emit(try ReportCommand.build(db: db, window: window, options: options, compare: compare))
    }

    /// Builds a report.
    static func build(db: String, window: TimeWindow, options: ReadinessOptions, compare: String?) throws -> ReadinessReport {
        var options = options
        (options.since, options.until) = try window.bounds()
        let store = try StoreLocation.backend(db).openReader()
        var report = try ReadinessAnalyzer(store: store, options: options).run()
        if let compare {
            do {
                report.compare(with: try JSONRenderer.decode(try read(compare)))
            } catch let e as any UserError {
                throw e
            } catch {
                throw fail("\(compare) is not a flowq JSON report: \(error)")
            }
        }
        return report
    }

    /// The analysis options from the flags (shared with the collector's scheduled reports).
    static func readinessOptions(policies: [String], minWindow: TimeLength, felixConfig: String?, expected: String?) throws
        -> ReadinessOptions
    {
        var failsafes = FailsafePorts.defaults
        var noise = NoiseRule.builtIn
        if let felixConfig {
            failsafes = try FailsafePorts.load(felixConfigurationYAML: try read(felixConfig), file: felixConfig)
        }
        if let expected { noise += try NoiseRule.load(yaml: try read(expected), file: expected) }
        return ReadinessOptions(
            minimumWindowHours: minWindow.hours, enforcing: policies.isEmpty ? nil : StagedSelection(policies), failsafes: failsafes,
            noise: noise, now: Int64(Date().timeIntervalSince1970))
    }

    static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw fail("cannot read \(path): \(error.localizedDescription)")
        }
    }
}
