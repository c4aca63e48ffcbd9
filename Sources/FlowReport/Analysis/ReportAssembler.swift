import FlowLog
import Foundation

/// Turns classified connections and evidence into the verdict and the report.
struct ReportAssembler {
    let options: ReadinessOptions

    func assemble(
        connections: [Connection], evidence: [ReadinessReport.HostEvidence], unknownLines: Int64,
        unknownReasons: [String: Int64], linesAnalysed: Int64, felixBugs: [FelixTraceBug: Int64] = [:]
    ) -> ReadinessReport {
        var counts: [String: Int] = [:]
        for c in Classification.allCases { counts[c.rawValue] = 0 }
        for c in connections { counts[c.classification.rawValue, default: 0] += 1 }
        var reasons: [String] = []
        let critical = connections.filter(\.critical)
        let unknown = connections.filter { $0.classification == .unknown }
        let thin = evidence.filter { !$0.sufficient }
        let verdict: ReadinessReport.Verdict
        if !critical.isEmpty {
            verdict = .notReady
            reasons.append("\(critical.count) connection(s) allowed today would be denied once the staged policies are enforced")
        } else if linesAnalysed == 0 || !thin.isEmpty || !unknown.isEmpty {
            verdict = .insufficientEvidence
        } else {
            verdict = .ready
            reasons.append("no connection allowed today would be denied once the staged policies are enforced")
        }
        if linesAnalysed == 0 { reasons.append("no flows in the window") }
        for h in thin {
            reasons.append(h.lines == 0
                ? "host \(h.host) has no flows in the window"
                : "host \(h.host) was observed for \(h.hours) h, less than the required \(options.minimumWindowHours) h")
        }
        if !unknown.isEmpty {
            reasons.append("\(unknown.count) connection(s) allowed today have no trace to decide from (host endpoints in newer Calico versions log no pending trace); simulate them with --policies")
        }
        let fix = FixSuggester.yaml(for: connections.filter { $0.critical })
        var caveats = [
            "pending_policies is last-writer-wins across the flows aggregated into a line: a line reflects one contributing flow",
            "lines split by several enforced traces share one pending trace",
            "Felix writes no pending trace for host endpoints, remote endpoints and networks: those lines are unknown unless a legacy all_policies trace decides",
            "with flowLogsPolicyEvaluationMode OnNewConnection, long-lived flows are not re-evaluated",
        ]
        for (bug, lines) in felixBugs.sorted(by: { $0.key < $1.key }) where lines > 0 {
            caveats.append(
                "\(lines) line(s) look like Felix bug \(bug.issue): \(bug.explanation); they decide no connection on their own. "
                    + "Inspect them with `flowq query '\(bug.kql)'`")
        }
        if connections.contains(where: { $0.sides.contains(where: \.approximate) }) {
            caveats.append("some verdicts come from staged policies outside --policy: they are approximate (marked per side)")
        }
        return ReadinessReport(
            generatedAt: Date(timeIntervalSince1970: TimeInterval(options.now)).formatted(.iso8601),
            verdict: verdict, exitCode: verdict.exitCode, reasons: reasons,
            window: .init(since: options.since, until: options.until, minimumHours: options.minimumWindowHours),
            enforcing: options.enforcing?.patterns ?? ["*"], evidence: evidence,
            summary: .init(
                linesAnalysed: linesAnalysed, connections: counts, unknownLines: unknownLines, unknownReasons: unknownReasons,
                felixTraceBugs: Dictionary(uniqueKeysWithValues: felixBugs.filter { $0.value > 0 }.map { ($0.key.rawValue, $0.value) })),
            connections: connections, fixYAML: fix, caveats: caveats)
    }
}
