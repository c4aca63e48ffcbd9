/// The line of an input that holds an error's offset, with a caret under it: what query and selector errors show.
///
/// A long line is shown as a window of 60 characters either side of the offset, cut with `…`, so an enormous
/// input is never echoed whole.
public enum CaretLine {
    /// Two lines, each indented by four spaces: the text around `offset` (0-based, in characters) and the caret.
    public static func render(_ text: String, offset: Int) -> String {
        let chars = Array(text)
        let at = min(max(offset, 0), chars.count)
        var lineStart = at
        while lineStart > 0 && chars[lineStart - 1] != "\n" { lineStart -= 1 }
        var lineEnd = at
        while lineEnd < chars.count && chars[lineEnd] != "\n" { lineEnd += 1 }
        let from = max(lineStart, at - 60), to = min(lineEnd, at + 60)
        let shown = (from > lineStart ? "…" : "") + String(chars[from..<to]) + (to < lineEnd ? "…" : "")
        let column = at - from + (from > lineStart ? 1 : 0)
        return "    \(shown)\n    \(String(repeating: " ", count: column))^"
    }
}
