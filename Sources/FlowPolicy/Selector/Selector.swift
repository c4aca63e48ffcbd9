/// A Calico label selector (the whole language), evaluated with Calico's semantics:
/// `!=` and `not in` match when the label is absent; `has(k)` tests presence; `all()` matches everything;
/// `global()` matches non-namespaced endpoints (in a `namespaceSelector`).
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
    case and(Selector, Selector)
    case or(Selector, Selector)

    /// Whether the selector matches a label set. `global()` matches when `namespaced` is false.
    public func matches(_ labels: [String: String], namespaced: Bool = true) -> Bool {
        switch self {
        case .all: return true
        case .global: return !namespaced
        case .has(let k): return labels[k] != nil
        case .equals(let k, let v): return labels[k] == v
        case .notEquals(let k, let v): return labels[k] != v
        case .inSet(let k, let vs): return labels[k].map(vs.contains) ?? false
        case .notInSet(let k, let vs): return !(labels[k].map(vs.contains) ?? false)
        case .contains(let k, let v): return labels[k]?.contains(v) ?? false
        case .startsWith(let k, let v): return labels[k]?.hasPrefix(v) ?? false
        case .endsWith(let k, let v): return labels[k]?.hasSuffix(v) ?? false
        case .not(let s): return !s.matches(labels, namespaced: namespaced)
        case .and(let a, let b): return a.matches(labels, namespaced: namespaced) && b.matches(labels, namespaced: namespaced)
        case .or(let a, let b): return a.matches(labels, namespaced: namespaced) || b.matches(labels, namespaced: namespaced)
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
        case .and(let a, let b), .or(let a, let b): return a.keys.union(b.keys)
        }
    }

    /// The canonical form (double quotes, single spaces, parentheses only where needed).
    public var canonical: String { render(parentPrecedence: 0) }

    private var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        default: return 3
        }
    }

    private func render(parentPrecedence: Int) -> String {
        func q(_ s: String) -> String { "\"" + s + "\"" }
        let text: String
        switch self {
        case .all: text = "all()"
        case .global: text = "global()"
        case .has(let k): text = "has(\(k))"
        case .equals(let k, let v): text = "\(k) == \(q(v))"
        case .notEquals(let k, let v): text = "\(k) != \(q(v))"
        case .inSet(let k, let vs): text = "\(k) in {\(vs.map(q).joined(separator: ", "))}"
        case .notInSet(let k, let vs): text = "\(k) not in {\(vs.map(q).joined(separator: ", "))}"
        case .contains(let k, let v): text = "\(k) contains \(q(v))"
        case .startsWith(let k, let v): text = "\(k) starts with \(q(v))"
        case .endsWith(let k, let v): text = "\(k) ends with \(q(v))"
        case .not(let s):
            if case .has(let k) = s { text = "!has(\(k))" } else { text = "!" + s.render(parentPrecedence: 3) }
        case .and(let a, let b): text = a.render(parentPrecedence: 2) + " && " + b.render(parentPrecedence: 2)
        case .or(let a, let b): text = a.render(parentPrecedence: 1) + " || " + b.render(parentPrecedence: 1)
        }
        return precedence < parentPrecedence ? "(" + text + ")" : text
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
