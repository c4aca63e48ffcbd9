/// A writer that takes lines undecoded: a node agent, whose server decodes them. The ingestor then only frames
/// the lines (and rejects those over the length bound), and hands each batch over with its checkpoint.
public protocol RawLineWriter: FlowWriter {
    /// Stores a batch of lines and rejects, and moves the file's checkpoint, atomically.
    /// - Parameters:
    ///   - lines: the batch's lines as the file holds them, with their offsets and line numbers.
    ///   - rejects: lines rejected before decoding (over the length bound).
    /// - Returns: how many of `lines` the store rejected (did not decode), by reason code.
    func append(lines: RawLines, host: String?, overridingLines: Bool, rejects: Rejects, checkpoint: Checkpoint) throws -> [String: Int64]
}
