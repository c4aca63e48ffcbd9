import FlowLog
import Foundation

/// An ingest failure, with a stable code.
public struct IngestError: UserError {
    public enum Code: String, Sendable {
        case notFound = "ingest.not_found"
        case permissionDenied = "ingest.permission_denied"
        case notAFile = "ingest.not_a_file"
        case io = "ingest.io"
        case corruptCompressed = "ingest.corrupt_compressed"
        case truncatedCompressed = "ingest.truncated_compressed"
    }

    public var code: Code
    public var message: String
    public var path: String?

    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var errorCode: String { code.rawValue }

    static func fromErrno(_ e: Int32, path: String, doing what: String) -> IngestError {
        let text = String(cString: strerror(e))
        switch e {
        case ENOENT: return IngestError(.notFound, "cannot \(what) \(path): no such file", path: path)
        case EACCES, EPERM: return IngestError(.permissionDenied, "cannot \(what) \(path): permission denied", path: path)
        case EISDIR: return IngestError(.notAFile, "\(path) is a directory", path: path)
        default: return IngestError(.io, "cannot \(what) \(path): \(text)", path: path)
        }
    }
}
