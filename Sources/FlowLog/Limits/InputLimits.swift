/// The bounds flowq puts on what users and files give it, in one place (the README lists them).
///
/// Past a bound the input is refused with a clear error; nothing is truncated silently.
public enum InputLimits {
    /// Deepest nesting of parentheses, braces and prefix operators (`not`, `!`, `-`) in a KQL or Lucene query or a
    /// Calico selector. Real queries nest a handful of levels; the bound keeps every recursive walk far from the
    /// stack's end.
    public static let nestingDepth = 100

    /// Most `&&`/`||` operators in one selector (each adds a level to the tree).
    public static let selectorOperators = 1_000

    /// Largest YAML file read (policies, `--expected`, FelixConfiguration), in bytes.
    public static let yamlBytes = 16 << 20

    /// Most YAML nodes a file may expand to once aliases are resolved (a "billion laughs" file is refused).
    public static let yamlNodes = 1_000_000
}
