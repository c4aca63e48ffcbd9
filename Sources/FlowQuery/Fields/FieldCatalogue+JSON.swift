import FlowLog

extension FieldCatalogue {
    /// The catalogue as a JSON array (`flowq fields --json`, `GET /api/v1/fields`): name, type, aliases, example,
    /// description.
    public static var json: String {
        let aliasesByField = Dictionary(grouping: aliases, by: \.value).mapValues { $0.map(\.key).sorted() }
        let items = fields.map { f in
            "{\"name\":\(JSONText.string(f.name)),\"type\":\(JSONText.string(f.type.rawValue)),\"aliases\":"
                + JSONText.array(aliasesByField[f.name] ?? [], numeric: false)
                + ",\"example\":\(JSONText.string(f.example)),\"description\":\(JSONText.string(f.summary))}"
        }
        return "[" + items.joined(separator: ",\n") + "]"
    }
}
