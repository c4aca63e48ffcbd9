import ArgumentParser
import FlowLog
import FlowQuery

struct FieldsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fields",
        abstract: "List the queryable fields with their types, aliases and example values."
    )

    @Flag(help: "Print JSON.")
    var json = false

    func run() {
        if json {
            print(FieldCatalogue.json)
            return
        }
        let aliasesByField = Dictionary(grouping: FieldCatalogue.aliases, by: \.value).mapValues { $0.map(\.key).sorted() }
        let rows = FieldCatalogue.fields.map { f in
            [f.name, f.type.rawValue, (aliasesByField[f.name] ?? []).joined(separator: " "), f.name + ":" + f.example, f.summary]
        }
        for l in RecordFormatting.table(header: ["field", "type", "aliases", "example", "description"], rows: rows, width: Terminal.width) {
            print(l)
        }
        print("\nNested: source_labels:{labels: app=*}, dest_labels:{…}, policies:{pending_policies: *staged*}.")
        print("Keys the decoder does not know are kept and queried as extra.KEY.")
    }
}
