import ArgumentParser
import FlowQuery
import FlowSample
import Foundation

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write synthetic Calico flow logs modelled on the seed lab's cluster.",
        discussion: """
            With --out DIR (the default), writes DIR/<node>/flows.log[.gz|.zst] for each of the 3 nodes, so that
            `flowq ingest DIR` takes the node names from the directories. With --out FILE.log (or .gz/.zst),
            writes one file and adds fluentd's `host` and `@timestamp` keys to each line.

            Lines look like Felix's: policy hits, dest_domains and labels in a random order on every line (Felix
            builds them from Go maps); --shape tidy sorts them. For scale, --connections adds service-to-service
            connections in team namespaces (over --clusters clusters of 3 nodes each), whose pods roll out a
            new ReplicaSet every --churn (new pod names, hashes and connections).
            """
    )

    @Option(help: "Number of lines.")
    var lines = 10_000

    @Option(help: "Format era.")
    var era: Era = .v2

    @Option(help: "Seed: the same seed gives the same lines.")
    var seed: UInt64 = 1

    @Option(help: "Compression.")
    var compress: SampleCompression = .none

    @Option(help: "Hours the lines span.")
    var hours: Int = 26

    @Option(help: "First interval start, Unix seconds.")
    var start: Int64 = 1_795_392_000

    @Option(help: "Order of policy hits, domains and labels: felix (random, as Felix writes) or tidy (sorted).")
    var shape: SampleGenerator.Shape = .felix

    @Option(help: "Application connections added to the lab's 47 (service-to-service, in team namespaces).")
    var connections = 0

    @Option(help: "Clusters the added connections are spread over, 3 nodes each.")
    var clusters = 1

    @Option(help: "Each added deployment rolls out a new ReplicaSet this often (30m, 1h): pod churn.")
    var churn: TimeLength?

    @Option(help: "Output directory, or a single file ending in .log, .jsonl, .gz or .zst.")
    var out: String = "sample-logs"

    func validate() throws {
        guard (0...100_000_000).contains(lines) else { throw ValidationError("--lines must be between 0 and 100000000") }
        guard (0...87_600).contains(hours) else { throw ValidationError("--hours must be between 0 and 87600 (10 years)") }
        guard (0...10_000_000).contains(connections) else { throw ValidationError("--connections must be between 0 and 10000000") }
        guard (1...1000).contains(clusters) else { throw ValidationError("--clusters must be between 1 and 1000") }
        if let churn, churn.seconds < 60 { throw ValidationError("--churn must be at least 1m") }
        guard (0...4_102_444_800).contains(start) else {
            throw ValidationError("--start must be Unix seconds between 0 and 4102444800 (the year 2100)")
        }
    }

    func run() throws {
        let compression = compress.writer
        let singleFile = [".log", ".jsonl", ".json", ".gz", ".zst"].contains { out.hasSuffix($0) }
        let generator = SampleGenerator(.init(
            lines: lines, era: era, seed: seed, start: start, span: Int64(hours) * 3600, fluentdKeys: singleFile,
            shape: shape, connections: connections, clusters: clusters, churn: churn?.seconds))
        let written = try SampleWriter.write(generator, to: out, singleFile: singleFile, compression: compression)
        print("wrote \(lines) \(era.rawValue) lines to \(written.joined(separator: ", "))")
    }
}
