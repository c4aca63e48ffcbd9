import ArgumentParser
import FlowPolicy

struct SelectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selector",
        abstract: "Test a Calico selector against labels, as calicoq does: exit 0 match, 1 no match, 2 invalid.",
        discussion: "Example: flowq selector 'app == \"web\" && !has(canary)' --label app=web --label tier=fe"
    )

    @Argument(help: "The selector.")
    var expression: String

    @Option(name: .customLong("label"), help: "A label key=value (repeatable).")
    var labels: [String] = []

    @Flag(help: "The endpoint is not namespaced (for global()).")
    var global = false

    func run() throws {
        let selector: Selector
        do {
            selector = try SelectorParser.parse(expression)
        } catch {
            throw fail("selector error: " + error.render(expression), code: error.errorCode)
        }
        let dict = labelDictionary(labels)
        let matched = selector.matches(dict, namespaced: !global)
        print("canonical: \(selector.canonical)")
        print(matched ? "match" : "no match")
        if !matched { throw ExitCode(1) }
    }
}
