import FlowPolicy

/// Multi-document YAML within flowq's bounds (``BoundedYAML``), with errors that name the file and line.
public enum YAMLDocuments {
    /// Every document of `text`, as plain Swift values (dictionaries, arrays, strings, numbers, booleans).
    public static func load(_ text: String, file: String) throws -> [Any] {
        do {
            return try BoundedYAML.values(text)
        } catch {
            throw ReportError(.badInput, "\(file):\(error.line): \(error.message)")
        }
    }
}
