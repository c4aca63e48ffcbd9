/// A Calico label selector (the whole language), evaluated with Calico's semantics (`libcalico-go/lib/selector`):
/// `!=` and `not in` match when the label is absent; `has(k)` tests presence; `all()` matches everything, and so
/// does `global()` in an ordinary match (in a `namespaceSelector` it selects the non-namespaced endpoints).
/// `&&` and `||` are n-ary, as Calico's parser builds them: one node per chain, a new node per parenthesis.
public indirect enum Selector: Sendable, Equatable {
    case all
    case global
    case has(String)
    case equals(String, String)
    case notEquals(String, String)
    case inSet(String, [String])
    case notInSet(String, [String])
    case contains(String, String)
    case startsWith(String, String)
    case endsWith(String, String)
    case not(Selector)
    /// At least two operands.
    case and([Selector])
    /// At least two operands.
    case or([Selector])

    /// The conjunction of `terms` (`all()` for none, the term itself for one).
    public static func allOf(_ terms: [Selector]) -> Selector {
        terms.isEmpty ? .all : (terms.count == 1 ? terms[0] : .and(terms))
    }

    /// Whether the selector matches a label set.
    /// - Parameter namespaced: `nil` for an ordinary match (`global()` matches, as in Calico); in a
    ///   `namespaceSelector`, whether the endpoint is namespaced (`global()` then matches only when it is not).
    public func matches(_ labels: [String: String], namespaced: Bool? = nil) -> Bool {
        switch self {
        case .all: return true
        case .global: return namespaced.map { !$0 } ?? true
        case .has(let k): return labels[k] != nil
        case .equals(let k, let v): return labels[k] == v
        case .notEquals(let k, let v): return labels[k] != v
        case .inSet(let k, let vs): return labels[k].map(vs.contains) ?? false
        case .notInSet(let k, let vs): return !(labels[k].map(vs.contains) ?? false)
        case .contains(let k, let v): return labels[k]?.contains(v) ?? false
        case .startsWith(let k, let v): return labels[k]?.hasPrefix(v) ?? false
        case .endsWith(let k, let v): return labels[k]?.hasSuffix(v) ?? false
        case .not(let s): return !s.matches(labels, namespaced: namespaced)
        case .and(let items): return items.allSatisfy { $0.matches(labels, namespaced: namespaced) }
        case .or(let items): return items.contains { $0.matches(labels, namespaced: namespaced) }
        }
    }

    /// The label keys the selector reads.
    public var keys: Set<String> {
        switch self {
        case .all, .global: return []
        case .has(let k), .equals(let k, _), .notEquals(let k, _), .inSet(let k, _), .notInSet(let k, _),
            .contains(let k, _), .startsWith(let k, _), .endsWith(let k, _):
            return [k]
        case .not(let s): return s.keys
        case .and(let items), .or(let items): return items.reduce(into: Set()) { $0.formUnion($1.keys) }
        }
    }

    /// The canonical form, as Calico writes it (`Selector.String()`): values in double quotes (single quotes when
    /// the value holds a double quote), set values sorted without duplicates, every `&&`/`||` node in
    /// parentheses, `!` directly before its operand.
    public var canonical: String {
        func q(_ v: String) -> String { v.contains("\"") ? "'" + v + "'" : "\"" + v + "\"" }
        func set(_ vs: [String]) -> String { "{" + Array(Set(vs)).sorted().map(q).joined(separator: ", ") + "}" }
        switch self {
        case .all: return "all()"
        case .global: return "global()"
        case .has(let k): return "has(\(k))"
        case .equals(let k, let v): return "\(k) == \(q(v))"
        case .notEquals(let k, let v): return "\(k) != \(q(v))"
        case .inSet(let k, let vs): return "\(k) in \(set(vs))"
        case .notInSet(let k, let vs): return "\(k) not in \(set(vs))"
        case .contains(let k, let v): return "\(k) contains \(q(v))"
        case .startsWith(let k, let v): return "\(k) starts with \(q(v))"
        case .endsWith(let k, let v): return "\(k) ends with \(q(v))"
        case .not(let s): return "!" + s.canonical
        case .and(let items): return "(" + items.map(\.canonical).joined(separator: " && ") + ")"
        case .or(let items): return "(" + items.map(\.canonical).joined(separator: " || ") + ")"
        }
    }
}

/// Labels as a dictionary, from `key=value` strings.
public func labelDictionary(_ labels: [String]) -> [String: String] {
    var d: [String: String] = [:]
    for l in labels {
        let kv = l.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        d[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
    }
    return d
}
