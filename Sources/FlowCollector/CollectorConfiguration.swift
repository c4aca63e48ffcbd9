import FlowReport
import FlowStore

/// What `flowq collect` does.
public struct CollectorConfiguration: Sendable {
    /// A directory to watch, with the node name of its files (`nil`: from the lines or the path).
    public struct Watch: Sendable, Equatable {
        public var directory: String
        public var host: String?

        public init(directory: String, host: String?) {
            self.directory = directory
            self.host = host
        }

        /// `DIR` or `DIR=HOST`.
        public init(parsing text: String) {
            if let eq = text.lastIndex(of: "="), !text[text.index(after: eq)...].isEmpty {
                directory = String(text[..<eq])
                host = String(text[text.index(after: eq)...])
            } else {
                directory = text
                host = nil
            }
        }
    }

    public var watches: [Watch]
    /// The store lines go to (unless ``shipTo`` is set).
    public var store: any StoreBackend
    /// How often the directories are looked at; a line is stored within about this long of being written.
    public var pollInterval: Duration
    public var maxLineLength: Int
    public var batchLines: Int
    /// Flows that started longer ago than this are deleted (seconds); `nil` keeps everything.
    public var retainSeconds: Int64?
    /// Serve `/metrics`, `/healthz` and `/readyz` on this port (`nil`: no server).
    public var metricsPort: Int?
    public var metricsAddress: String
    /// Write a readiness report this often (seconds) into ``reportDirectory``.
    public var reportEverySeconds: Int64?
    public var reportDirectory: String?
    /// The report's options (its `now` is set at each run).
    public var reportOptions: ReadinessOptions
    /// Read files that symbolic links in a watched directory point to (off: links are skipped and logged).
    public var followSymlinks = false
    /// Ship batches to `flowq serve` instead of writing ``store`` (a node agent).
    public var shipTo: ShipTarget?

    public init(
        watches: [Watch], store: any StoreBackend, pollInterval: Duration = .milliseconds(250), maxLineLength: Int = 1 << 20,
        batchLines: Int = 8192, retainSeconds: Int64? = nil, metricsPort: Int? = nil, metricsAddress: String = "0.0.0.0",
        reportEverySeconds: Int64? = nil, reportDirectory: String? = nil, reportOptions: ReadinessOptions
    ) {
        self.watches = watches
        self.store = store
        self.pollInterval = pollInterval
        self.maxLineLength = maxLineLength
        self.batchLines = batchLines
        self.retainSeconds = retainSeconds
        self.metricsPort = metricsPort
        self.metricsAddress = metricsAddress
        self.reportEverySeconds = reportEverySeconds
        self.reportDirectory = reportDirectory
        self.reportOptions = reportOptions
    }
}
