/// What Kubernetes accepts as label keys, label values and namespace names (`k8s.io/apimachinery`'s
/// `validation.IsQualifiedName`, `IsValidLabelValue`, `IsDNS1123Label`).
///
/// A value from a flow log that fails these is never pasted into a generated selector or policy: it could not be
/// a real label, and quoting cannot make it safe (Calico's selector strings have no escapes).
public enum KubernetesNames {
    /// `[prefix/]name`: the prefix a DNS subdomain of at most 253 characters, the name at most 63 characters of
    /// alphanumerics, `-`, `_` and `.`, starting and ending with an alphanumeric.
    public static func isLabelKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return isName(parts[0])
        case 2: return isSubdomain(parts[0]) && isName(parts[1])
        default: return false
        }
    }

    /// Empty, or a name as in ``isLabelKey(_:)`` without a prefix.
    public static func isLabelValue(_ value: String) -> Bool { value.isEmpty || isName(Substring(value)) }

    /// A DNS-1123 label: at most 63 lowercase alphanumerics or `-`, starting and ending with an alphanumeric.
    public static func isNamespace(_ name: String) -> Bool {
        let u = Array(name.utf8)
        guard (1...63).contains(u.count), isLowerAlnum(u.first!), isLowerAlnum(u.last!) else { return false }
        return u.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    static func isName(_ s: Substring) -> Bool {
        let u = Array(s.utf8)
        guard (1...63).contains(u.count), isAlnum(u.first!), isAlnum(u.last!) else { return false }
        return u.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    static func isSubdomain(_ s: Substring) -> Bool {
        guard (1...253).contains(s.utf8.count) else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isNamespace(String($0)) }
    }

    static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }

    static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 122) }
}
