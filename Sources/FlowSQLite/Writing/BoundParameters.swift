/// What each parameter of a reused `INSERT` holds, so that a row binds only the values that differ from the row
/// before (SQLite keeps a statement's bindings across `sqlite3_reset`). Starts as a new statement does: every
/// parameter null.
struct BoundParameters: ~Copyable {
    private static var null: UInt8 { 0 }
    private static var integer: UInt8 { 1 }
    private static var text: UInt8 { 2 }

    private let kinds: UnsafeMutablePointer<UInt8>
    private let integers: UnsafeMutablePointer<Int64>

    /// For parameters 1 to `count - 1` (SQLite counts them from 1).
    init(count: Int) {
        kinds = .allocate(capacity: count)
        kinds.initialize(repeating: Self.null, count: count)
        integers = .allocate(capacity: count)
        integers.initialize(repeating: 0, count: count)
    }

    deinit {
        kinds.deallocate()
        integers.deallocate()
    }

    /// Notes that parameter `index` is to hold `value` (an integer, or null); `false` when it holds it already.
    @inline(__always)
    func change(_ index: Int32, to value: Int64?) -> Bool {
        let i = Int(index)
        guard let value else {
            if kinds[i] == Self.null { return false }
            kinds[i] = Self.null
            return true
        }
        if kinds[i] == Self.integer && integers[i] == value { return false }
        kinds[i] = Self.integer
        integers[i] = value
        return true
    }

    /// Notes that parameter `index` holds a text (always bound again: its bytes are the row's own).
    @inline(__always)
    func changeToText(_ index: Int32) { kinds[Int(index)] = Self.text }
}
