/// A file's identity from its content: FNV-1a 64 of its first line (with the newline) and that line's length.
///
/// As Vector's `checksum` fingerprint: a rotated file keeps it when renamed, and so does its compressed
/// copy (the hash is over decompressed bytes). Files whose first lines are byte-identical would collide;
/// Felix's first lines carry times and counters, so that does not happen in practice.
public enum Fingerprint {
    public static func of(firstLine: UnsafeBufferPointer<UInt8>) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in firstLine { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h = (h ^ 0x0A) &* 0x100_0000_01b3
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + "-" + String(firstLine.count + 1)
    }
}
