import FlowLog
import Foundation

/// A comma-separated list of catalogue fields (`fields`, `sort`, `group by`), as the CLI and the API take it.
public enum FieldList {
    /// Parses `a,b,c` into catalogue fields.
    public static func fields(_ list: String, name: String) throws(FieldListError) -> [Field] {
        var out: [Field] = []
        for part in list.split(separator: ",") {
            let n = part.trimmingCharacters(in: .whitespaces)
            guard let f = FieldCatalogue.field(named: n) else { throw FieldListError(name: name, field: n) }
            out.append(f)
        }
        return out
    }

    /// Parses `field[:desc],...` into fields and whether each sorts descending.
    public static func sort(_ list: String, name: String) throws(FieldListError) -> [(Field, Bool)] {
        var out: [(Field, Bool)] = []
        for part in list.split(separator: ",") {
            let pieces = part.split(separator: ":")
            let fields = try fields(String(pieces.first ?? ""), name: name)
            guard let field = fields.first else { throw FieldListError(name: name, field: String(part)) }
            out.append((field, pieces.count > 1 && pieces[1].lowercased() == "desc"))
        }
        return out
    }
}

/// A field list that names a field the catalogue does not have.
public struct FieldListError: UserError, Equatable {
    /// The list as it was given (`--fields`, `by`).
    public var name: String
    public var field: String
    public var errorCode: String { "query.unknown_field" }
    public var message: String {
        let s = FieldCatalogue.suggestions(for: field)
        return "\(name): unknown field \(field)" + (s.isEmpty ? "" : "; did you mean \(s.joined(separator: " or "))?")
    }
}
