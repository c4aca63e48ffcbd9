/// Spots Lucene syntax pasted into a KQL query, for a hint in the error message.
enum LuceneHint {
    static func hint(for query: String) -> String? {
        let signs = ["&&", "||", " TO ", "_exists_:", ":>", ":<", ":[", ":{", "~", "^", "/"]
        if signs.contains(where: { query.contains($0) }) || query.hasPrefix("+") || query.hasPrefix("-") {
            return "this looks like Lucene syntax; pass --syntax lucene, or write it in KQL (`f > 10`, `f:*`, and/or/not)"
        }
        if query.contains(":") && !query.contains("\\:") {
            return "join two expressions with `and`/`or`; a `:` inside a value must be escaped (`\\:`) or the value quoted"
        }
        return nil
    }
}
