import FlowLog

/// A flow-log format era (§0 of the format doc).
public enum Era: String, CaseIterable, Sendable {
    /// 4-field hits, `all_policies` only.
    case v0
    /// 5-field hits, `all_policies` only, staged hits inline.
    case v1a = "v1-a"
    /// `all_policies` beside `enforced_policies`, `pending_policies`, `transit_policies`.
    case v1b = "v1-b"
    /// No `all_policies`; legacy names.
    case v1c = "v1-c"
    /// Kind-prefixed names (`gnp:`, `sgnp:` …).
    case v2
}
