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

    @Option(help: "The store: a SQLite file, or postgres://user@host:port/db (default: $FLOWQ_DB or ./flowq.db).")
    var db: String = StoreLocation.defaultValue

    @OptionGroup var window: TimeWindow
    @OptionGroup var queryOptions: QueryOptions

    @OptionGroup var output: ReportOutput
    @OptionGroup var flags: ReadinessFlags

    @Flag(help: "Compare the simulator with the logged traces and print the agreement rate.")
    var check = false

    func run() throws {
        guard !policyPaths.isEmpty else { throw fail("give the policies with --policies FILE_OR_DIR") }
        let set = try loadPolicies(policyPaths)
        var options = try flags.options(policies: enforce)
        options.simulate(set, enforcing: enforce, keepFailsafes: flags.felixConfig != nil)
        (options.since, options.until) = try window.bounds()
        let selection = enforce.isEmpty ? nil : StagedSelection(enforce)
        if !query.isEmpty {
            options.filter = try queryOptions.compile(try queryOptions.parse(query), query: query)
        }
        let store = try StoreLocation.backend(db).openReader()
        let analyzer = ReadinessAnalyzer(store: store, options: options)
        if check {
            let a = try analyzer.checkAgreement(set, enforcing: selection)
            print(String(format: "agreement with the logged traces: %.2f%% of %lld lines where the simulator is certain",
                         a.rate * 100, a.enforcedCompared + a.pendingCompared))
            print("  enforced_policies: \(a.enforcedAgreed)/\(a.enforcedCompared) lines")
            print("  pending_policies:  \(a.pendingAgreed)/\(a.pendingCompared) lines")
            print("  uncertain (not compared): \(a.uncertain) lines")
            for e in a.examples { print("  disagreement: \(e)") }
            return
        }
        try output.emit(try analyzer.run())
    }
}
