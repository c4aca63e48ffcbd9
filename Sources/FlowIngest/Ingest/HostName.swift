import Foundation

/// Where a file's node name comes from when `--host` is not given (Felix does not write it).
public enum HostName {
    /// Directory names that say nothing about the node.
    static let generic: Set<String> = ["flowlogs", "calico", "log", "logs", "var", "tmp", ".", ""]

    /// The file's parent directory name (`/logs/node-a/flows.log` → `node-a`); when that is a generic name
    /// (`/var/log/calico/flowlogs/flows.log`), this machine's hostname: the collector runs on the node.
    public static func derive(fromPath path: String) -> String {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent()
        let name = parent.lastPathComponent
        if !generic.contains(name) { return name }
        return ProcessInfo.processInfo.hostName
    }
}
