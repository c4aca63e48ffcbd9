import Foundation

/// Finds the flow-log files under the paths a user names.
public enum SourceDiscovery {
    /// Files as given, and for directories every file below them whose name looks like a flow log
    /// (`*.log`, `*.log.gz`, `*.log.zst`, `*.jsonl`, `*.json`, and their compressed forms), rotated files
    /// before the active one and older before newer (by name: Felix's rotated names carry UTC timestamps).
    public static func files(in paths: [String]) throws(IngestError) -> [String] {
        try scan(paths, followSymlinks: false).files
    }

    /// What a scan found: the files to read, and the entries of directories that were left out, with why.
    public struct Found: Sendable {
        public var files: [String] = []
        public var skipped: [(path: String, reason: String)] = []
    }

    /// As ``files(in:)``, and inside directories only regular files are taken: a symbolic link is followed only
    /// with `followSymlinks` (a link could put another user's file into the store), and FIFOs, devices and
    /// sockets are skipped, each with the reason.
    public static func scan(_ paths: [String], followSymlinks: Bool) throws(IngestError) -> Found {
        var result = Found()
        for path in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw IngestError(.notFound, "no such file or directory: \(path)", path: path)
            }
            if !isDir.boolValue {
                result.files.append(path)
                continue
            }
            // The enumerator skips what it cannot read without a word: list the top level first, so that an
            // unreadable directory is an error.
            guard opendir(path).map({ closedir($0) }) != nil else {
                throw IngestError.fromErrno(errno, path: path, doing: "list")
            }
            guard let walker = FileManager.default.enumerator(atPath: path) else {
                throw IngestError(.permissionDenied, "cannot list \(path)", path: path)
            }
            var found: [String] = []
            while let rel = walker.nextObject() as? String {
                let full = (path as NSString).appendingPathComponent(rel)
                guard looksLikeFlowLog(rel) else { continue }
                var st = stat()
                guard lstat(full, &st) == 0 else { continue }  // gone since listed
                var type = st.st_mode & S_IFMT
                if type == S_IFLNK {
                    guard followSymlinks else {
                        result.skipped.append((full, "a symbolic link (--follow-symlinks to read it)"))
                        continue
                    }
                    guard stat(full, &st) == 0 else {
                        result.skipped.append((full, "a symbolic link to nothing"))
                        continue
                    }
                    type = st.st_mode & S_IFMT
                }
                if type == S_IFDIR { continue }
                guard type == S_IFREG else {
                    result.skipped.append((full, "not a regular file (a FIFO, device or socket)"))
                    continue
                }
                found.append(full)
            }
            result.files.append(contentsOf: found.sorted(by: rotationOrder))
        }
        return result
    }

    static func looksLikeFlowLog(_ name: String) -> Bool {
        let base = (name as NSString).lastPathComponent
        if base.hasPrefix(".") { return false }
        var stem = base
        for ext in [".gz", ".zst", ".zstd"] where stem.hasSuffix(ext) { stem = String(stem.dropLast(ext.count)) }
        return stem.hasSuffix(".log") || stem.hasSuffix(".jsonl") || stem.hasSuffix(".json") || stem.hasSuffix(".ndjson")
    }

    /// Same directory: rotated files (`flows-<ts>…`) by name, then the active `flows.log`.
    static func rotationOrder(_ a: String, _ b: String) -> Bool {
        let da = (a as NSString).deletingLastPathComponent, db = (b as NSString).deletingLastPathComponent
        if da != db { return da < db }
        let na = (a as NSString).lastPathComponent, nb = (b as NSString).lastPathComponent
        let activeA = na == "flows.log", activeB = nb == "flows.log"
        if activeA != activeB { return activeB }
        return na < nb
    }
}
