import ArgumentParser

/// `flowq`: Calico flow logs into answers.
@main
struct FlowQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowq",
        abstract: "Calico flow logs into answers: ingest, query with KQL, and check staged policies before enforcing them.",
        subcommands: [
            IngestCommand.self, CollectCommand.self, QueryCommand.self, ExplainCommand.self, FieldsCommand.self,
            ReportCommand.self, SimulateCommand.self, SelectorCommand.self, SampleCommand.self, ServeCommand.self,
        ]
    )

    /// Parses and runs the command; every error is turned into a message and an exit code by ``ErrorReporter``.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            ErrorReporter.exit(error, command: Self.self)
        }
    }
}
