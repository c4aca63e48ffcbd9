import Foundation

/// The report as Markdown, for terminals and tickets.
public enum MarkdownRenderer {
    public static func render(_ r: ReadinessReport) -> String {
        var out = "# flowq readiness report: \(r.verdict.rawValue) (exit \(r.exitCode))\n\n"
        let window = r.window.since == nil && r.window.until == nil
            ? "all stored flows" : "\(r.window.since.map(time) ?? "start") to \(r.window.until.map(time) ?? "now")"
        let enforcing = r.enforcing == ["*"] ? "all staged policies" : r.enforcing.joined(separator: ", ")
        out += "Generated \(r.generatedAt). Window: \(window), at least \(fmt(r.window.minimumHours)) h per host. Enforcing: \(enforcing).\n\n"
        out += "## Why\n\n" + r.reasons.map { "- \($0)\n" }.joined() + "\n"
        out += "## Evidence per host\n\n| host | first seen | last seen | hours | lines | enough |\n|---|---|---|---|---|---|\n"
        for e in r.evidence {
            out += "| \(e.host) | \(e.firstSeen.map(time) ?? "-") | \(e.lastSeen.map(time) ?? "-") | \(fmt(e.hours)) | \(e.lines) | \(e.sufficient ? "yes" : "**no**") |\n"
        }
        out += "\n## Summary\n\n\(r.summary.linesAnalysed) lines analysed.\n\n| classification | connections |\n|---|---|\n"
        for c in Classification.allCases {
            out += "| \(c.title)\(c.isCritical ? " (critical)" : "") | \(r.summary.connections[c.rawValue] ?? 0) |\n"
        }
        if r.summary.unknownLines > 0 {
            out += "\nLines without a trace to decide from: \(r.summary.unknownLines).\n"
            for (reason, n) in r.summary.unknownReasons.sorted(by: { $0.value > $1.value }) { out += "- \(n): \(reason)\n" }
        }
        for cls in Classification.allCases {
            let list = r.connections.filter { $0.classification == cls }
            guard !list.isEmpty else { continue }
            out += "\n## \(cls.title)\(cls.isCritical ? " — critical" : "")\n\n"
            out += "| source | destination | port | flows | hosts | decided by | note |\n|---|---|---|---|---|---|---|\n"
            for c in list {
                let dest = c.destination.display + (c.service.map { " (svc \($0))" } ?? "")
                let port = "\(c.port.map(String.init) ?? "-")/\(c.protocolName)"
                let decided = c.decidingPolicy?.display ?? "-"
                let sides = c.sides.map { "\($0.reporter): \($0.today)→\($0.enforced)\($0.approximate ? " (approx.)" : "")" }.joined(separator: "; ")
                out += "| \(cell(c.source.display)) | \(cell(dest)) | \(port) | \(c.flows) | \(cell(c.hosts.joined(separator: ", "))) | \(cell(decided)) | \(cell([c.reason, sides].compactMap { $0 }.joined(separator: " — "))) |\n"
            }
            out += "\nShow their flows with `flowq query '<query>'`:\n\n"
            for c in list.prefix(20) { out += "- `\(c.kql)`\n" }
        }
        if let cmp = r.comparison {
            out += "\n## Changes since the report of \(cmp.previousGeneratedAt) (\(cmp.previousVerdict.rawValue))\n\n"
            out += cmp.new.isEmpty ? "No new connections.\n" : "New:\n" + cmp.new.map { "- \($0)\n" }.joined()
            out += cmp.resolved.isEmpty ? "No resolved connections.\n" : "Resolved:\n" + cmp.resolved.map { "- \($0)\n" }.joined()
        }
        if !r.fixYAML.isEmpty {
            out += "\n## Suggested fix\n\nAllow rules for the critical connections (save as fix.yaml, review, apply before enforcing):\n\n```yaml\n\(r.fixYAML)```\n"
        }
        out += "\n## Caveats\n\n" + r.caveats.map { "- \($0)\n" }.joined()
        return out
    }

    static func time(_ t: Int64) -> String { Date(timeIntervalSince1970: TimeInterval(t)).formatted(.iso8601) }
    static func fmt(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(format: "%.1f", d) }
    static func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
}
