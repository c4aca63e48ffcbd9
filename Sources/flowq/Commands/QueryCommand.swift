import ArgumentParser

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query")
    func run() throws {}
}
