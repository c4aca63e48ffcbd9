/// Elasticsearch-style date values: epoch numbers, ISO-8601 (partial dates too), and date math
/// (`now-1h`, `now/d`, `2022-02-17||+1M/d`). All in UTC; results in epoch milliseconds.
///
/// Every value and every step is kept within years -9999...9999 (``bound``); anything past that is not a date
/// (nil), so no input can overflow 64-bit arithmetic.
public enum DateMath {
    /// The largest magnitude of a result, in epoch milliseconds: the end of the year 9999.
    public static let bound: Int64 = 253_402_300_799_999
    /// Parses a date value.
    /// - Parameters:
    ///   - roundUp: for `lte`/`gt` bounds: round to the end of a rounding unit or partial date, as ES does.
    ///   - epochUnitMillis: how a bare number is read: 1000 for epoch seconds, 1 for epoch milliseconds.
    public static func parse(_ text: String, now: Int64, roundUp: Bool, epochUnitMillis: Int64) -> Int64? {
        var anchor: Int64
        var ops: Substring
        let t = text.trimmingSpaces
        if t.hasPrefix("now") {
            anchor = now
            ops = t.dropFirst(3)
        } else if let bars = t.firstRange(of: "||") {
            guard let a = absolute(String(t[..<bars.lowerBound]), roundUp: false, epochUnitMillis: epochUnitMillis) else {
                return nil
            }
            anchor = a
            ops = t[bars.upperBound...]
        } else {
            return absolute(t, roundUp: roundUp, epochUnitMillis: epochUnitMillis)
        }
        // Operations: +N<unit>, -N<unit>, /<unit>.
        while let c = ops.first {
            ops = ops.dropFirst()
            switch c {
            case "+", "-":
                let digits = ops.prefix(while: { $0.isASCII && $0.isNumber })
                // More than 12 digits is past the bound in any unit.
                guard digits.count <= 12 else { return nil }
                let n = digits.isEmpty ? 1 : Int64(digits) ?? 0
                ops = ops.dropFirst(digits.count)
                guard let u = ops.first, let unit = Unit(rawValue: u) else { return nil }
                ops = ops.dropFirst()
                guard let next = add(anchor, c == "+" ? n : -n, unit) else { return nil }
                anchor = next
            case "/":
                guard let u = ops.first, let unit = Unit(rawValue: u) else { return nil }
                ops = ops.dropFirst()
                anchor = round(anchor, unit, up: roundUp)
            default:
                return nil
            }
        }
        return inBounds(anchor)
    }

    static func inBounds(_ ms: Int64?) -> Int64? {
        guard let ms, ms >= -bound, ms <= bound else { return nil }
        return ms
    }

    /// `a + b * c`, or nil when it overflows or leaves the bound.
    static func checked(_ a: Int64, _ b: Int64, times c: Int64) -> Int64? {
        let (p, o1) = b.multipliedReportingOverflow(by: c)
        let (s, o2) = a.addingReportingOverflow(p)
        return o1 || o2 ? nil : inBounds(s)
    }

    enum Unit: Character {
        case year = "y", month = "M", week = "w", day = "d", hour = "h", hour24 = "H", minute = "m", second = "s"
    }

    static func add(_ ms: Int64, _ n: Int64, _ unit: Unit) -> Int64? {
        switch unit {
        case .second: return checked(ms, n, times: 1000)
        case .minute: return checked(ms, n, times: 60_000)
        case .hour, .hour24: return checked(ms, n, times: 3_600_000)
        case .day: return checked(ms, n, times: 86_400_000)
        case .week: return checked(ms, n, times: 7 * 86_400_000)
        case .month, .year:
            // Past 20,000 years either way the result is out of bounds.
            guard abs(n) <= (unit == .year ? 20_000 : 240_000) else { return nil }
            var (y, m, d) = civil(fromDays: floorDiv(ms, 86_400_000))
            let rest = ms - floorDiv(ms, 86_400_000) * 86_400_000
            let months = unit == .year ? n * 12 : n
            let total = y * 12 + (m - 1) + months
            y = floorDiv(total, 12)
            m = total - y * 12 + 1
            d = min(d, daysIn(y, m))
            return inBounds(days(y, m, d) * 86_400_000 + rest)
        }
    }

    static func round(_ ms: Int64, _ unit: Unit, up: Bool) -> Int64 {
        let day = floorDiv(ms, 86_400_000)
        var start: Int64
        var next: Int64
        switch unit {
        case .second: start = floorDiv(ms, 1000) * 1000; next = start + 1000
        case .minute: start = floorDiv(ms, 60_000) * 60_000; next = start + 60_000
        case .hour, .hour24: start = floorDiv(ms, 3_600_000) * 3_600_000; next = start + 3_600_000
        case .day: start = day * 86_400_000; next = start + 86_400_000
        case .week:
            // ISO weeks start on Monday; 1970-01-01 was a Thursday.
            let monday = day - ((day + 3) % 7 + 7) % 7
            start = monday * 86_400_000
            next = start + 7 * 86_400_000
        case .month:
            let (y, m, _) = civil(fromDays: day)
            start = days(y, m, 1) * 86_400_000
            next = add(start, 1, .month) ?? start
        case .year:
            let (y, _, _) = civil(fromDays: day)
            start = days(y, 1, 1) * 86_400_000
            next = days(y + 1, 1, 1) * 86_400_000
        }
        return up ? next - 1 : start
    }

    /// Epoch numbers and ISO-8601 dates, partial ones included (`2026`, `2026-11`, `2026-11-23T10`).
    static func absolute(_ t: String, roundUp: Bool, epochUnitMillis: Int64) -> Int64? {
        // Epoch-second fields (start_time, end_time) read numbers as epochs; `@timestamp`, like Elasticsearch's
        // strict_date_optional_time||epoch_millis, reads a 4-digit number as a year first.
        if !t.isEmpty, t.allSatisfy({ $0.isNumber || $0 == "-" }), t.dropFirst().allSatisfy(\.isNumber),
            t.count != 4 || epochUnitMillis > 1, let n = Int64(t)
        {
            guard let ms = checked(0, n, times: epochUnitMillis) else { return nil }
            return roundUp && epochUnitMillis > 1 ? ms + epochUnitMillis - 1 : ms
        }
        let chars = Array(t.utf8)
        var i = 0
        func num(_ n: Int) -> Int64? {
            guard i + n <= chars.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = chars[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += n
            return v
        }
        func take(_ c: UInt8) -> Bool {
            if i < chars.count && chars[i] == c { i += 1; return true }
            return false
        }
        guard let year = num(4) else { return nil }
        var month: Int64? = nil, day: Int64? = nil, hour: Int64? = nil, minute: Int64? = nil
        var second: Int64? = nil, millis: Int64? = nil
        if take(45) {
            month = num(2)
            if month == nil { return nil }
            if take(45) { day = num(2); if day == nil { return nil } }
        }
        if day != nil && (take(84) || take(32)) {
            hour = num(2)
            if hour == nil { return nil }
            if take(58) { minute = num(2); if minute == nil { return nil } }
            if minute != nil && take(58) { second = num(2); if second == nil { return nil } }
            if second != nil && (take(46) || take(44)) {
                var frac: Int64 = 0, digits = 0
                while i < chars.count, chars[i] >= 48, chars[i] <= 57 {
                    if digits < 3 { frac = frac * 10 + Int64(chars[i] - 48) }
                    digits += 1
                    i += 1
                }
                while digits < 3 { frac *= 10; digits += 1 }
                millis = frac
            }
        }
        var offset: Int64 = 0
        if i < chars.count {
            if take(90) {
                offset = 0
            } else if chars[i] == 43 || chars[i] == 45 {
                let sign: Int64 = chars[i] == 43 ? 1 : -1
                i += 1
                guard let oh = num(2) else { return nil }
                _ = take(58)
                let om = num(2) ?? 0
                offset = sign * (oh * 60 + om) * 60_000
            } else {
                return nil
            }
        }
        guard i == chars.count else { return nil }
        let m = month ?? (roundUp ? 12 : 1)
        guard m >= 1 && m <= 12 else { return nil }
        let d = day ?? (roundUp ? daysIn(year, m) : 1)
        guard d >= 1 && d <= daysIn(year, m) else { return nil }
        let h = hour ?? (roundUp ? 23 : 0), mi = minute ?? (roundUp ? 59 : 0), s = second ?? (roundUp ? 59 : 0)
        guard h < 24, mi < 60, s < 61 else { return nil }
        let ms = millis ?? (roundUp ? 999 : 0)
        return inBounds(days(year, m, d) * 86_400_000 + ((h * 60 + mi) * 60 + s) * 1000 + ms - offset)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func daysIn(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    static func days(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension String {
    var trimmingSpaces: String {
        String(self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
