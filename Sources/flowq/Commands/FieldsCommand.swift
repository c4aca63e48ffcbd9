import ArgumentParser

struct FieldsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fields")
    func run() throws {}
}
