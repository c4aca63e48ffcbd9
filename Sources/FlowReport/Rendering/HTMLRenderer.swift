import Foundation

/// The report as one self-contained HTML file: a connection graph (sources → destinations, would-break edges
/// highlighted, as in Calico's Service Graph) and a timeline of would-break flows, both inline SVG; no network.
public enum HTMLRenderer {
    static func colour(_ c: Classification) -> String {
        switch c {
        case .wouldBreak: "#d62728"
        case .localhost: "#9b1d20"
        case .protectedByFailsafe: "#2ca02c"
        case .expectedDenial: "#7f7f7f"
        case .unknown: "#ff7f0e"
        case .wouldNewlyAllow: "#1f77b4"
        }
    }

    public static func render(_ r: ReadinessReport) -> String {
        let verdictColour = r.verdict == .ready ? "#2ca02c" : (r.verdict == .notReady ? "#d62728" : "#ff7f0e")
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>flowq readiness: \(esc(r.verdict.rawValue))</title>
            <style>
            body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1200px}
            h1 .v{color:#fff;background:\(verdictColour);padding:2px 10px;border-radius:4px}
            table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
            td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
            th{background:#f3f3f3} code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
            pre{background:#f7f7f7;padding:10px;overflow:auto;border:1px solid #ddd}
            .legend span{display:inline-block;margin-right:14px;font-size:13px}
            .legend i{display:inline-block;width:18px;height:4px;margin-right:4px;vertical-align:middle}
            svg text{font-size:11px;font-family:system-ui,Helvetica,Arial,sans-serif}
            </style></head><body>
            <h1>flowq readiness report <span class="v">\(esc(r.verdict.rawValue))</span></h1>
            <p>Generated \(esc(r.generatedAt)) · exit code \(r.exitCode) · \(r.summary.linesAnalysed) lines analysed ·
            enforcing \(esc(r.enforcing == ["*"] ? "all staged policies" : r.enforcing.joined(separator: ", ")))</p>
            <ul>\(r.reasons.map { "<li>\(esc($0))</li>" }.joined())</ul>

            """
        h += "<h2>Connection graph</h2>\n<div class=\"legend\">"
        for c in Classification.allCases { h += "<span><i style=\"background:\(colour(c))\"></i>\(esc(c.title))</span>" }
        h += "</div>\n" + graph(r.connections) + "\n"
        h += "<h2>Would-break flows over time</h2>\n" + timeline(r) + "\n"
        h += "<h2>Evidence per host</h2>\n<table><tr><th>host</th><th>first seen</th><th>last seen</th><th>hours</th><th>lines</th><th>enough</th></tr>"
        for e in r.evidence {
            h += "<tr><td>\(esc(e.host))</td><td>\(e.firstSeen.map(MarkdownRenderer.time) ?? "-")</td><td>\(e.lastSeen.map(MarkdownRenderer.time) ?? "-")</td><td>\(MarkdownRenderer.fmt(e.hours))</td><td>\(e.lines)</td><td>\(e.sufficient ? "yes" : "<b>no</b>")</td></tr>"
        }
        h += "</table>\n"
        for cls in Classification.allCases {
            let list = r.connections.filter { $0.classification == cls }
            guard !list.isEmpty else { continue }
            h += "<h2 style=\"color:\(colour(cls))\">\(esc(cls.title)) (\(list.count))</h2>\n"
            h += "<table><tr><th>source</th><th>destination</th><th>port</th><th>flows</th><th>hosts</th><th>decided by</th><th>note</th><th>query</th></tr>"
            for c in list {
                h += "<tr><td>\(esc(c.source.display))</td><td>\(esc(c.destination.display + (c.service.map { " (svc \($0))" } ?? "")))</td>"
                h += "<td>\(c.port.map(String.init) ?? "-")/\(esc(c.protocolName))</td><td>\(c.flows)</td><td>\(esc(c.hosts.joined(separator: ", ")))</td>"
                h += "<td>\(esc(c.decidingPolicy?.display ?? "-"))</td><td>\(esc(c.reason ?? ""))</td><td><code>\(esc(c.kql))</code></td></tr>"
            }
            h += "</table>\n"
        }
        if !r.fixYAML.isEmpty { h += "<h2>Suggested fix</h2>\n<pre>\(esc(r.fixYAML))</pre>\n" }
        h += "<h2>Caveats</h2>\n<ul>\(r.caveats.map { "<li>\(esc($0))</li>" }.joined())</ul>\n</body></html>\n"
        return h
    }

    static func graph(_ connections: [Connection]) -> String {
        let shown = Array(connections.prefix(60))
        if shown.isEmpty { return "<p>No affected connections.</p>" }
        var sources: [String] = []
        var dests: [String] = []
        for c in shown {
            if !sources.contains(c.source.display) { sources.append(c.source.display) }
            let d = c.destination.display
            if !dests.contains(d) { dests.append(d) }
        }
        let row = 30, top = 30, boxW = 300, width = 1000
        let height = top + max(sources.count, dests.count) * row + 20
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"graph\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
        s += "<text x=\"20\" y=\"18\" font-weight=\"bold\">sources</text><text x=\"\(width - boxW - 20)\" y=\"18\" font-weight=\"bold\">destinations</text>\n"
        // Edges first, critical ones last so they are on top.
        for c in shown.sorted(by: { $0.classification > $1.classification }) {
            let y1 = top + sources.firstIndex(of: c.source.display)! * row + 11
            let y2 = top + dests.firstIndex(of: c.destination.display)! * row + 11
            let x1 = 20 + boxW, x2 = width - boxW - 20
            let w = c.critical ? 3 : 1.5
            let dash = c.classification == .unknown || c.classification == .expectedDenial ? " stroke-dasharray=\"5,4\"" : ""
            s += "<path class=\"edge \(c.classification.rawValue)\" d=\"M\(x1),\(y1) C\(x1 + 120),\(y1) \(x2 - 120),\(y2) \(x2),\(y2)\" stroke=\"\(colour(c.classification))\" stroke-width=\"\(w)\" fill=\"none\"\(dash)><title>\(esc(c.source.display)) → \(esc(c.destination.display)) \(c.port.map(String.init) ?? "-")/\(esc(c.protocolName)): \(esc(c.classification.title))</title></path>\n"
            // The port label sits near the destination, where the edges of one node fan in.
            let mx = x2 - 8, my = y2 - 4
            s += "<text x=\"\(mx)\" y=\"\(my)\" text-anchor=\"end\" fill=\"\(colour(c.classification))\">\(c.port.map(String.init) ?? "-")/\(esc(c.protocolName))</text>\n"
        }
        for (i, name) in sources.enumerated() { s += node(x: 20, y: top + i * row, w: boxW, label: name) }
        for (i, name) in dests.enumerated() { s += node(x: width - boxW - 20, y: top + i * row, w: boxW, label: name) }
        return s + "</svg>"
    }

    static func node(x: Int, y: Int, w: Int, label: String) -> String {
        let text = label.count > 46 ? String(label.prefix(45)) + "…" : label
        return "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"22\" rx=\"4\" fill=\"#eef3fb\" stroke=\"#7a8fb3\"/><text x=\"\(x + 6)\" y=\"\(y + 15)\">\(esc(text))</text>\n"
    }

    static func timeline(_ r: ReadinessReport) -> String {
        var perHour: [Int64: Int64] = [:]
        for c in r.connections where c.critical { for p in c.timeline { perHour[p.hour, default: 0] += p.lines } }
        guard let first = perHour.keys.min(), let last = perHour.keys.max() else { return "<p>No would-break flows.</p>" }
        let hours = Int((last - first) / 3600) + 1
        let width = 1000, height = 160, left = 40, bottom = 20
        let barW = max(Double(width - left - 10) / Double(hours), 1)
        let maxV = max(perHour.values.max() ?? 1, 1)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
        s += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - 10)\" y2=\"\(height - bottom)\" stroke=\"#999\"/>\n"
        s += "<text x=\"2\" y=\"14\">\(maxV)</text><text x=\"2\" y=\"\(height - bottom)\">0</text>\n"
        for (hour, v) in perHour.sorted(by: { $0.key < $1.key }) {
            let i = Double((hour - first) / 3600)
            let bh = Double(height - bottom - 10) * Double(v) / Double(maxV)
            s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#d62728\"><title>%@: %lld lines</title></rect>\n",
                        Double(left) + i * barW, Double(height - bottom) - bh, max(barW - 1, 1), bh, MarkdownRenderer.time(hour), v)
        }
        s += "<text x=\"\(left)\" y=\"\(height - 4)\">\(MarkdownRenderer.time(first))</text>"
        s += "<text x=\"\(width - 10)\" y=\"\(height - 4)\" text-anchor=\"end\">\(MarkdownRenderer.time(last))</text>\n"
        return s + "</svg>"
    }

    static func esc(_ s: String) -> String {
        var o = ""
        for ch in s {
            switch ch {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            default: o.append(ch)
            }
        }
        return o
    }
}
