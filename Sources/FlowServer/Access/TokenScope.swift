/// What a bearer token may do: `read` (every GET and `POST /api/v1/simulate`) or `ingest` (the endpoints that
/// store flows).
public enum TokenScope: String, Sendable, Hashable, CaseIterable {
    case read, ingest
}
