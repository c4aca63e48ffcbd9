import ArgumentParser
import FlowLog
import FlowPolicy
import FlowReport
import FlowStore
import Foundation

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Evaluate Calico policy YAML against the recorded flows: what would these policies break?",
        discussion: """
            Per connection, today's verdict (from the log) and the simulated one; only the connections that
            change. The same classifications, formats and exit codes as `flowq report`. Staged policies in the
            files are treated as enforced (all, or those named with --enforce). QUERY (KQL) limits the flows.
            --check compares the simulator with the traces Felix logged instead.
            """
    )

    @Argument(help: "A KQL query limiting the flows (default: all).")
    var query: String = ""

    @Option(name: .customLong("policies"), help: "Policy YAML files or directories (repeatable).")
    var policyPaths: [String] = []

    @Option(name: .customLong("enforce"), help: "Staged policies to treat as enforced (repeatable, * wildcards).")
    var enforce: [String] = []

    @Option(help: "Database path (default: $FLOWQ_DB or ./flowq.db).")
    var db: String = SQLiteStore.defaultPath

    @OptionGroup var window: TimeWindow
    @OptionGroup var queryOptions: QueryOptions

    @Option(help: "Output: md, html or json.")
    var format: String = "md"

    @Option(help: "Write to this file instead of stdout.")
    var out: String?

    @Option(help: "Hours of flows each host needs.")
    var minWindow: String = "24h"

    @Option(help: "A FelixConfiguration YAML whose failsafe ports replace the defaults.")
    var felixConfig: String?

    @Option(help: "A YAML list of {query, reason} for expected denials.")
    var expected: String?

    @Flag(help: "Compare the simulator with the logged traces and print the agreement rate.")
    var check = false

    func run() throws {
        guard !policyPaths.isEmpty else { throw fail("give the policies with --policies FILE_OR_DIR") }
        guard ["md", "markdown", "html", "json"].contains(format) else { throw fail("--format must be md, html or json") }
        let set = try loadPolicies(policyPaths)
        var options = try ReportCommand.readinessOptions(
            policies: enforce, minWindow: minWindow, felixConfig: felixConfig, expected: expected)
        if felixConfig == nil, let inbound = set.failsafeInbound {
            options.failsafes.inbound = inbound.compactMap(Self.entry)
        }
        if felixConfig == nil, let outbound = set.failsafeOutbound { options.failsafes.outbound = outbound.compactMap(Self.entry) }
        options.since = try window.since.map { try TimeWindow.seconds($0, roundUp: false, flag: "--since") }
        options.until = try window.until.map { try TimeWindow.seconds($0, roundUp: true, flag: "--until") }
        let selection = enforce.isEmpty ? nil : StagedSelection(enforce)
        options.simulation = Simulation(simulator: PolicySimulator(set, enforcing: selection), mode: .everywhere)
        if !query.isEmpty {
            options.filter = try queryOptions.compile(try queryOptions.parse(query), query: query)
        }
        let store = try withUserErrors { try SQLiteStore(path: db, readOnly: true) }
        let analyzer = ReadinessAnalyzer(store: store, options: options)
        if check {
            let a = try withUserErrors { try analyzer.checkAgreement(set, enforcing: selection) }
            print(String(format: "agreement with the logged traces: %.2f%% of %lld lines where the simulator is certain",
                         a.rate * 100, a.enforcedCompared + a.pendingCompared))
            print("  enforced_policies: \(a.enforcedAgreed)/\(a.enforcedCompared) lines")
            print("  pending_policies:  \(a.pendingAgreed)/\(a.pendingCompared) lines")
            print("  uncertain (not compared): \(a.uncertain) lines")
            for e in a.examples { print("  disagreement: \(e)") }
            return
        }
        let report = try withUserErrors { try analyzer.run() }
        let text: String
        switch format {
        case "html": text = HTMLRenderer.render(report)
        case "json": text = try JSONRenderer.render(report)
        default: text = MarkdownRenderer.render(report)
        }
        if let out {
            do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch { throw fail("cannot write \(out)") }
        } else {
            var o = StdoutBuffer()
            o.write(text)
            o.flush()
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    static func entry(_ text: String) -> FailsafePorts.Entry? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let port = Int64(parts[1]) else { return nil }
        return FailsafePorts.Entry(proto: String(parts[0]), port: port, net: nil)
    }
}
