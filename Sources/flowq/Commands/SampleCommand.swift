import ArgumentParser
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
            """
    )

    @Option(help: "Number of lines.")
    var lines = 10_000

    @Option(help: "Format era: v0, v1-a, v1-b, v1-c, v2.")
    var era: String = "v2"

    @Option(help: "Seed: the same seed gives the same lines.")
    var seed: UInt64 = 1

    @Option(help: "Compression: none, gz, zst.")
    var compress: String = "none"

    @Option(help: "Hours the lines span.")
    var hours: Int = 26

    @Option(help: "First interval start, Unix seconds.")
    var start: Int64 = 1_795_392_000

    @Option(help: "Output directory, or a single file ending in .log, .jsonl, .gz or .zst.")
    var out: String = "sample-logs"

    func run() throws {
        guard let era = Era(rawValue: era) else {
            throw fail("unknown era \"\(era)\"; use one of \(Era.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let compression: SampleWriter.Compression
        switch compress {
        case "none": compression = .none
        case "gz", "gzip": compression = .gzip
        case "zst", "zstd": compression = .zstd
        default: throw fail("unknown compression \"\(compress)\"; use none, gz or zst")
        }
        let singleFile = [".log", ".jsonl", ".json", ".gz", ".zst"].contains { out.hasSuffix($0) }
        let generator = SampleGenerator(.init(
            lines: lines, era: era, seed: seed, start: start, span: Int64(hours) * 3600, fluentdKeys: singleFile))
        do {
            let written = try SampleWriter.write(generator, to: out, singleFile: singleFile, compression: compression)
            print("wrote \(lines) \(era.rawValue) lines to \(written.joined(separator: ", "))")
        } catch let e as SampleWriter.Failure {
            throw fail(e.message)
        }
    }
}
