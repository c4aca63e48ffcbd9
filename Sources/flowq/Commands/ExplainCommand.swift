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

    @Option(help: "The store whose SQL dialect to show: a SQLite file, or postgres://… (default: $FLOWQ_DB or ./flowq.db).")
    var db: String = StoreLocation.defaultValue

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
        let plan = try StoreLocation.backend(db).explain(try queryOptions.compile(node, query: query))
        print("SQL (\(plan.backend)):\n  " + plan.sql.split(separator: "\n").joined(separator: "\n  "))
        print("bindings:")
        for (i, b) in plan.bindings.enumerated() { print("  \(plan.backend == "sqlite" ? "?\(i + 1)" : "$\(i + 1)") = \(b)") }
        if plan.bindings.isEmpty { print("  (none)") }
    }
}
