/// An instant with microsecond precision, the precision of PostgreSQL `timestamptz` and of the audit chain.
///
/// Kept as an integer so the hashed text (`YYYY-MM-DDTHH:MM:SS.ffffffZ`) is exact: no floating point, no
/// calendar or locale settings.
public struct AuditTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public let microseconds: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microseconds = microsecondsSinceEpoch
    }

    public static func < (lhs: AuditTimestamp, rhs: AuditTimestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// The canonical text of `audit.md` §2: UTC, zero-padded, exactly six fractional digits, `T` and `Z`.
    public var canonicalText: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.canonicalLength)
        appendCanonicalText(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The length of the canonical text for years 0–9999.
    public static let canonicalLength = 27

    /// Appends the UTF-8 bytes of ``canonicalText`` to `bytes` (digit by digit, no intermediate strings: the chain
    /// verifier formats one per event).
    public func appendCanonicalText(to bytes: inout [UInt8]) {
        let (days, microsOfDay) = Self.floorDivide(microseconds, 86_400_000_000)
        let civil = Self.civil(fromDays: days)
        let secondsOfDay = microsOfDay / 1_000_000
        func digits(_ value: Int64, _ width: Int) {
            guard value >= 0 else {
                bytes.append(contentsOf: String(value).utf8)
                return
            }
            var divisor: Int64 = 1
            var count = 1
            while count < width || value / divisor >= 10 {
                divisor *= 10
                count += 1
            }
            while divisor > 0 {
                bytes.append(UInt8(truncatingIfNeeded: 48 + value / divisor % 10))
                divisor /= 10
            }
        }
        digits(civil.year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(civil.month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(civil.day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(secondsOfDay / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondsOfDay / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondsOfDay % 60, 2)
        bytes.append(UInt8(ascii: "."))
        digits(microsOfDay % 1_000_000, 6)
        bytes.append(UInt8(ascii: "Z"))
    }

    public var description: String { canonicalText }

    /// Parses the canonical form (and RFC 3339 in UTC with 0–9 fractional digits, truncated to microseconds).
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") || bytes.last == UInt8(ascii: "z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var micros: Int64 = 0
        let end = bytes.count - 1
        if end > 19 {
            guard bytes[19] == UInt8(ascii: "."), end - 20 >= 1, end - 20 <= 9, let fraction = number(20..<end) else { return nil }
            let digits = end - 20
            var scaled = fraction
            if digits < 6 {
                for _ in digits..<6 { scaled *= 10 }
            } else {
                for _ in 6..<digits { scaled /= 10 }
            }
            micros = scaled
        }
        let days = Self.days(fromCivilYear: year, month: month, day: day)
        self.microseconds = ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000) + micros
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        var quotient = value / divisor
        var remainder = value % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Proleptic Gregorian conversions (days relative to 1970-01-01), after H. Hinnant's algorithms.
    static func days(fromCivilYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
