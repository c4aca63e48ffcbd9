import ArgumentParser

/// `flowq`: Calico flow logs into answers.
@main
struct FlowQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowq",
        abstract: "Calico flow logs into answers: ingest, query with KQL, and check staged policies before enforcing them.",
        subcommands: [
            IngestCommand.self, CollectCommand.self, QueryCommand.self, ExplainCommand.self, FieldsCommand.self,
            ReportCommand.self, SimulateCommand.self, SelectorCommand.self, SampleCommand.self,
        ]
    )
}
