import FlowLog
import FlowStore

/// The server's half of a node agent's batch: its undecoded lines (``RawLines``) into records and rejects, each
/// reject with the agent's file, line number and offset, as `flowq ingest` of that file would record it.
public enum RawLineDecoding {
    /// Decodes the lines of `runs`, which lie one after another in `bytes`, each ending in a newline, into records
    /// of stored batches that `recycler` kept (new ones when it has none; what is left over goes back).
    /// - Throws: ``StoreError`` (`store.remote`) when the runs do not cover `bytes` exactly.
    public static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, runs: [RawLines.Run], path: String, decoder: FlowLineDecoder, recycler: RecordRecycler
    ) throws(StoreError) -> (records: [FlowRecord], rejects: Rejects) {
        guard runs.allSatisfy({ $0.length > 0 }), runs.reduce(0, { $0 + $1.length }) == bytes.count else {
            throw StoreError(.remote, "the batch's runs (\(runs.count)) do not cover its \(bytes.count) bytes of lines")
        }
        var decoding = LineDecoding(path: path, decoder: decoder)
        var records: [FlowRecord] = []
        records.reserveCapacity(bytes.count / 1024)
        var rejects = Rejects()
        var spare = recycler.take()
        defer { recycler.give(&spare) }
        var at = 0
        for run in runs {
            guard bytes[at + run.length - 1] == 0x0A else {
                throw StoreError(.remote, "a run of the batch (at offset \(run.offset)) does not end at a newline")
            }
            // The agent framed these lines already (none is over its bound), so the bound here is only the run.
            var framer = LineFramer(startOffset: run.offset, maxLineLength: run.length)
            var number = run.line
            framer.feed(UnsafeBufferPointer(rebasing: bytes[at..<(at + run.length)])) { event in
                number += 1
                guard case .line(let line, let offset, _) = event else { return }
                if spare.isEmpty { spare = recycler.take() }
                if let r = decoding.decode(line, number: number, offset: offset, reusing: &spare, rejects: &rejects) {
                    records.append(consume r)
                }
            }
            at += run.length
        }
        return (records, rejects)
    }
}
