/// The query languages flowq reads.
public enum QuerySyntax: String, Sendable, CaseIterable {
    case kql
    case lucene

    /// Parses `query` in this syntax.
    public func parse(_ query: String, strict: Bool = false) throws(QuerySyntaxError) -> QueryNode {
        switch self {
        case .kql: return try KQLParser.parse(query, strict: strict)
        case .lucene: return try LuceneParser.parse(query)
        }
    }
}
