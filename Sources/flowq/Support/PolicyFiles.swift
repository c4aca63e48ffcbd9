import FlowPolicy
import Foundation

/// Reads Calico policy YAML from files and directories (`*.yaml`, `*.yml`, sorted), or fails with file:line.
func loadPolicies(_ paths: [String]) throws -> PolicySet {
    var loader = PolicyLoader()
    var files: [String] = []
    for path in paths {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw fail("no such file: \(path)") }
        if isDir.boolValue {
            let items = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files += items.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
        } else {
            files.append(path)
        }
    }
    for f in files { try loader.load(yaml: try ReportCommand.read(f), file: f) }
    for w in loader.set.warnings { Terminal.error("flowq: note: \(w)") }
    return loader.set
}
