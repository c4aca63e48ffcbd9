import FlowLog
import Yams

/// YAML read within bounds, for every file flowq reads (policies, `--expected`, FelixConfiguration).
///
/// libyaml already bounds nesting (1,000 levels). Here: the file size (``InputLimits/yamlBytes``) and the number of
/// nodes a file expands to once its aliases are resolved (``InputLimits/yamlNodes``), so that a few hundred bytes
/// of nested aliases (a "billion laughs") are refused instead of filling memory.
public enum BoundedYAML {
    /// A YAML file that cannot be used: the 1-based line (0 when unknown) and what is wrong.
    public struct Failure: Error, Sendable {
        public var line: Int
        public var message: String
    }

    /// The documents of `text`, as Yams nodes (aliases are shared, not expanded).
    public static func documents(_ text: String) throws(Failure) -> [Node] {
        guard text.utf8.count <= InputLimits.yamlBytes else {
            throw Failure(line: 0, message: "the file is larger than \(InputLimits.yamlBytes >> 20) MiB")
        }
        do {
            let parser = try Parser(yaml: text)
            var out: [Node] = []
            while let n = try parser.nextRoot() {
                out.append(n)
                try checkExpansion(n)
            }
            return out
        } catch let e as Failure {
            throw e
        } catch let e as YamlError {
            if case .duplicatedKeysInMapping(let keys, let context) = e {
                let key = keys.first ?? "?"
                let at = secondLine(of: key, in: text) ?? context.mark.line
                throw Failure(line: at, message: "invalid YAML: duplicate key '\(key)' (keys of a mapping must be unique)")
            }
            throw Failure(line: line(of: e), message: "invalid YAML: \(e)")
        } catch {
            throw Failure(line: 0, message: "invalid YAML: \(error)")
        }
    }

    /// Plain Swift values (dictionaries, arrays, strings, numbers, booleans, nil) of every document of `text`.
    public static func values(_ text: String) throws(Failure) -> [Any] {
        try documents(text).map { Constructor.default.any(from: $0) }
    }

    /// Counts the nodes `node` expands to, stopping at the bound.
    static func checkExpansion(_ root: Node) throws(Failure) {
        var budget = InputLimits.yamlNodes
        var stack = [root]
        while let n = stack.popLast() {
            budget -= 1
            if budget < 0 {
                throw Failure(
                    line: n.mark.map { $0.line } ?? 0,
                    message: "the YAML expands to more than \(InputLimits.yamlNodes) nodes (nested aliases?)")
            }
            switch n {
            case .scalar, .alias: break
            case .sequence(let s): stack.append(contentsOf: s)
            case .mapping(let m):
                for (k, v) in m {
                    stack.append(k)
                    stack.append(v)
                }
            }
        }
    }

    /// The 1-based line where `key` is written a second time as a block mapping key (`key:` or `- key:` at the
    /// start of a line), the duplicate libyaml refused; `nil` when it is not written that way (flow style).
    static func secondLine(of key: String, in text: String) -> Int? {
        var seen = 0
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = line.drop { $0 == " " }
            if rest.hasPrefix("- ") { rest = rest.dropFirst(2).drop { $0 == " " } }
            for quote in ["", "'", "\""] where rest.hasPrefix(quote + key + quote) {
                let after = rest.dropFirst(key.count + 2 * quote.count).drop { $0 == " " }
                if after.hasPrefix(":") {
                    seen += 1
                    if seen == 2 { return i + 1 }
                }
            }
        }
        return nil
    }

    /// The line a Yams error points at (1-based), or 0.
    public static func line(of e: YamlError) -> Int {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        case .duplicatedKeysInMapping(_, let context): return context.mark.line
        default: return 0
        }
    }
}
