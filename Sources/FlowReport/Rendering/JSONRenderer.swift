import Foundation

/// The report as JSON (schema: `Schemas/readiness-report.schema.json`).
public enum JSONRenderer {
    public static func render(_ r: ReadinessReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(r), as: UTF8.self) + "\n"
    }

    public static func decode(_ text: String) throws -> ReadinessReport {
        try JSONDecoder().decode(ReadinessReport.self, from: Data(text.utf8))
    }
}
