import ArgumentParser
import FlowQuery
import FlowStore

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show how a query parses (neutral AST JSON) and the SQL it compiles to, with its bindings."
    )

    @Argument(help: "The query.")
    var query: String

    @Flag(help: "Print only the AST JSON on stdout ({\"error\":true} when it does not parse).")
    var json = false

    @OptionGroup var queryOptions: QueryOptions

    func run() throws {
        let syntax = queryOptions.syntax
        let node: QueryNode
        do {
            node = try syntax.parse(query, strict: queryOptions.strict)
        } catch {
            if json { print("{\"error\":true}") }
            throw queryError(error, query: query)
        }
        if json {
            print(node.neutralJSON)
            return
        }
        print("AST:\n  " + node.neutralJSON)
        let sql = try queryOptions.compile(node, query: query)
        print("SQL:\n  SELECT \(RecordReader.selectList)\n  FROM flow f ... WHERE \(sql.sql)")
        print("bindings:")
        for (i, b) in sql.bindings.enumerated() { print("  ?\(i + 1) = \(b)") }
        if sql.bindings.isEmpty { print("  (none)") }
    }
}
