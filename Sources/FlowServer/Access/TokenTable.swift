import Foundation

/// The tokens of `--token-file`: one `TOKEN SCOPE[,SCOPE]` per line; blank lines and `#` comments skipped.
public struct TokenTable: Sendable {
    private var scopes: [String: Set<TokenScope>]

    /// Parses the file's text; `file` names it in errors (by line, never echoing a token).
    public init(text: String, file: String) throws(ServerError) {
        var scopes: [String: Set<TokenScope>] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2 else {
                throw ServerError(.badTokenFile, "\(file):\(n + 1): write TOKEN SCOPE[,SCOPE] (scopes: read, ingest)")
            }
            var granted: Set<TokenScope> = []
            for s in parts[1].split(separator: ",") {
                guard let scope = TokenScope(rawValue: String(s)) else {
                    throw ServerError(.badTokenFile, "\(file):\(n + 1): unknown scope \"\(s)\" (scopes: read, ingest)")
                }
                granted.insert(scope)
            }
            guard parts[0].count >= 16 else {
                throw ServerError(.badTokenFile, "\(file):\(n + 1): a token must have at least 16 characters")
            }
            scopes[String(parts[0]), default: []].formUnion(granted)
        }
        guard !scopes.isEmpty else { throw ServerError(.badTokenFile, "\(file): no tokens") }
        self.scopes = scopes
    }

    /// Reads `path`.
    public static func load(_ path: String) throws(ServerError) -> TokenTable {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ServerError(.badTokenFile, "cannot read \(path): \(error.localizedDescription)")
        }
        return try TokenTable(text: text, file: path)
    }

    /// The scopes of `token`, compared in constant time per candidate; empty for an unknown token.
    public func scopes(of token: Substring) -> Set<TokenScope> {
        let given = Array(token.utf8)
        var found: Set<TokenScope> = []
        for (candidate, granted) in scopes {
            let c = Array(candidate.utf8)
            var diff = UInt8(c.count == given.count ? 0 : 1)
            for i in 0..<c.count { diff |= c[i] ^ (i < given.count ? given[i] : 0) }
            if diff == 0 { found = granted }
        }
        return found
    }
}
