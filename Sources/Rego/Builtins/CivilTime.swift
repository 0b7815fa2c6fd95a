import Foundation

/// Calendar arithmetic on nanosecond timestamps (proleptic Gregorian, like Go's time package).
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanosecond: Int
    /// Offset from UTC in seconds and zone abbreviation.
    var offset: Int
    var zoneName: String

    static let minNs = Int.min
    static let maxNs = Int.max

    /// Days since 1970-01-01 for a civil date (month may be out of range; it is normalised).
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
        self.init(year: y, month: m, day: d, hour: rem / 3600, minute: rem % 3600 / 60, second: rem % 60, nanosecond: nanos, offset: off, zoneName: name)
    }

    /// Nanoseconds since the epoch, or nil on overflow.
    var nanoseconds: Int? {
        let d = CivilTime.days(year: year, month: month, day: day)
        let secs = d * 86400 + hour * 3600 + minute * 60 + second - offset
        let (a, o1) = secs.multipliedReportingOverflow(by: 1_000_000_000)
        if o1 { return nil }
        let (b, o2) = a.addingReportingOverflow(nanosecond)
        return o2 ? nil : b
    }

    /// 0 = Sunday.
    var weekday: Int { (CivilTime.days(year: year, month: month, day: day) + 4).floorMod(7) }

    var yearDay: Int { CivilTime.days(year: year, month: month, day: day) - CivilTime.days(year: year, month: 1, day: 1) + 1 }

    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
}

extension Int {
    func floorDiv(_ d: Int) -> Int { self >= 0 ? self / d : -((-self + d - 1) / d) }
    func floorMod(_ d: Int) -> Int { self - floorDiv(d) * d }
}
