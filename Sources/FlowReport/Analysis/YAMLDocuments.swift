import Yams

/// Multi-document YAML, with errors that name the file and line.
public enum YAMLDocuments {
    /// Every document of `text`, as plain Swift values (dictionaries, arrays, strings, numbers, booleans).
    public static func load(_ text: String, file: String) throws -> [Any] {
        do {
            let parser = try Parser(yaml: text, resolver: .default, constructor: .default, encoding: .utf8)
            var docs: [Any] = []
            while let node = try parser.nextRoot() {
                if let value = Constructor.default.any(from: node) as Any? { docs.append(value) }
            }
            return docs
        } catch let e as YamlError {
            throw ReportError(.badInput, "\(file): invalid YAML: \(e)")
        }
    }
}
