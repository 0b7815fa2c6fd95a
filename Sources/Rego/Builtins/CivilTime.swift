import Foundation

/// Calendar arithmetic on nanosecond timestamps (proleptic Gregorian, like Go's time package).
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanosecond: Int
    /// Offset from UTC in seconds and zone abbreviation.
    var offset: Int
    var zoneName: String

    /// `seconds * 1e9 + nanos` (with `0 <= nanos < 1e9`), or nil when it does not fit in int64 nanoseconds.
    ///
    /// Near the lower end `seconds * 1e9` alone may overflow while the sum fits (1677-09-21T00:12:43.854775808Z
    /// is `Int.min`), so a negative `seconds` is computed as `(seconds + 1) * 1e9 - (1e9 - nanos)`.
    static func epochNanoseconds(seconds: Int, nanos: Int) -> Int? {
        guard nanos >= 0, nanos < 1_000_000_000 else { return nil }
        if seconds >= 0 {
            let (whole, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            let (sum, o2) = whole.addingReportingOverflow(nanos)
            return o1 || o2 ? nil : sum
        }
        // seconds < 0, so seconds + 1 <= 0 cannot overflow.
        let (whole, o1) = (seconds + 1).multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, o2) = whole.subtractingReportingOverflow(1_000_000_000 - nanos)
        return o1 || o2 ? nil : sum
    }

    /// Seconds since the epoch of a civil date and time at UTC offset `offset`, or nil on overflow.
    static func epochSeconds(days: Int, hour: Int, minute: Int, second: Int, offset: Int) -> Int? {
        let (d, o1) = days.multipliedReportingOverflow(by: 86400)
        let (t, o2) = d.addingReportingOverflow(hour * 3600 + minute * 60 + second)
        let (s, o3) = t.subtractingReportingOverflow(offset)
        return o1 || o2 || o3 ? nil : s
    }

    /// Days since 1970-01-01 for a civil date (month may be out of range; it is normalised).
    ///
    /// Callers keep `|year|`, `|month|` and `|day|` below ~1e12 (four-digit years when parsing, bounded
    /// `time.add_date` deltas on int64-nanosecond dates), so none of the products here can overflow.
    static func days(year y0: Int, month m0: Int, day: Int) -> Int {
        var y = y0 + (m0 - 1).floorDiv(12)
        let m = (m0 - 1).floorMod(12) + 1
        y -= m <= 2 ? 1 : 0
        let era = y.floorDiv(400)
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468 + (day - 1)
    }

    static func civil(days z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = z.floorDiv(146097)
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanosecond: Int, offset: Int, zoneName: String) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
        self.offset = offset
        self.zoneName = zoneName
    }

    /// Breaks `ns` down in a zone (`nil` = UTC).
    init(ns: Int, zone: TimeZone?) {
        var secs = ns.floorDiv(1_000_000_000)
        let nanos = ns.floorMod(1_000_000_000)
        var off = 0
        var name = "UTC"
        if let zone {
            let date = Date(timeIntervalSince1970: TimeInterval(secs))
            off = zone.secondsFromGMT(for: date)
            name = ZoneNames.abbreviation(zone, at: date) ?? zone.abbreviation(for: date) ?? zone.identifier
            if zone.identifier == "UTC" || zone.identifier == "GMT" { name = "UTC" }
        }
        secs += off
        let days = secs.floorDiv(86400)
        let rem = secs.floorMod(86400)
        let (y, m, d) = CivilTime.civil(days: days)
        self.init(
            year: y, month: m, day: d, hour: rem / 3600, minute: rem % 3600 / 60, second: rem % 60, nanosecond: nanos, offset: off, zoneName: name)
    }

    /// Nanoseconds since the epoch, or nil when outside the int64 range.
    var nanoseconds: Int? {
        let d = CivilTime.days(year: year, month: month, day: day)
        guard let secs = CivilTime.epochSeconds(days: d, hour: hour, minute: minute, second: second, offset: offset) else { return nil }
        return CivilTime.epochNanoseconds(seconds: secs, nanos: nanosecond)
    }

    /// 0 = Sunday.
    var weekday: Int { (CivilTime.days(year: year, month: month, day: day) + 4).floorMod(7) }

    var yearDay: Int { CivilTime.days(year: year, month: month, day: day) - CivilTime.days(year: year, month: 1, day: 1) + 1 }

    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
}

extension Int {
    /// Floor division for a positive divisor `d`; defined for every `self`, including `Int.min`
    /// (`self / d` with `d > 0` cannot overflow, and the quotient minus one stays above `Int.min`).
    func floorDiv(_ d: Int) -> Int {
        let q = self / d
        return self % d < 0 ? q - 1 : q
    }

    /// The remainder in `0..<d` for a positive divisor `d`.
    func floorMod(_ d: Int) -> Int {
        let r = self % d
        return r < 0 ? r + d : r
    }
}
