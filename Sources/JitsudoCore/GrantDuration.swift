/// A length of time in whole seconds, written as number+unit groups: `90s`, `30m`, `2h30m`, `1d`.
///
/// Units are `d` (24 h), `h`, `m`, `s`, each at most once and largest first. Parsing never guesses:
/// a bare number, an unknown unit or a value out of bounds is an error that says what to write instead.
public struct GrantDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds, always > 0 for parsed values.
    public let seconds: Int64

    /// The longest duration anything in jitsudo accepts: 366 days.
    public static let maximum = GrantDuration(uncheckedSeconds: 366 * 86_400)

    /// Creates a duration of `seconds`; use ``parse(_:bounds:)`` for user input.
    public init(uncheckedSeconds seconds: Int64) {
        self.seconds = seconds
    }

    public static func < (lhs: GrantDuration, rhs: GrantDuration) -> Bool { lhs.seconds < rhs.seconds }

    private static let units: [(Character, Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// Parses `text` and checks it lies within `bounds` (inclusive, in seconds).
    ///
    /// - Throws: ``CoreError`` with code `invalidDuration` and a message naming the problem.
    public static func parse(
        _ text: String,
        bounds: ClosedRange<Int64> = 1...GrantDuration.maximum.seconds
    ) throws(CoreError) -> GrantDuration {
        let trimmed = text
        guard !trimmed.isEmpty else {
            throw CoreError(.invalidDuration, "duration is empty; write it like 30m, 2h, 2h30m or 1d")
        }
        var total: Int64 = 0
        var digits = ""
        var nextUnitIndex = 0
        for character in trimmed {
            if character.isASCII, character.isNumber {
                digits.append(character)
                guard digits.count <= 9 else {
                    throw CoreError(.invalidDuration, "duration \(quoted(text)) is too large; the maximum is \(maximum.compact)")
                }
                continue
            }
            guard let unitIndex = units.firstIndex(where: { $0.0 == character }) else {
                throw CoreError(
                    .invalidDuration,
                    "duration \(quoted(text)) has an unknown unit \(quoted(String(character))); use d, h, m or s as in 2h30m"
                )
            }
            guard !digits.isEmpty, let value = Int64(digits) else {
                throw CoreError(.invalidDuration, "duration \(quoted(text)) has a unit without a number; write it like 2h30m")
            }
            guard unitIndex >= nextUnitIndex else {
                throw CoreError(
                    .invalidDuration,
                    "duration \(quoted(text)) repeats a unit or lists them out of order; write the largest unit first, each once, as in 1d2h30m"
                )
            }
            total += value * units[unitIndex].1
            guard total <= maximum.seconds else {
                throw CoreError(.invalidDuration, "duration \(quoted(text)) is too large; the maximum is \(maximum.compact)")
            }
            nextUnitIndex = unitIndex + 1
            digits = ""
        }
        guard digits.isEmpty else {
            throw CoreError(.invalidDuration, "duration \(quoted(text)) needs a unit after \(digits); write \(digits)s, \(digits)m or \(digits)h")
        }
        guard bounds.contains(total) else {
            let low = GrantDuration(uncheckedSeconds: bounds.lowerBound).compact
            let high = GrantDuration(uncheckedSeconds: bounds.upperBound).compact
            throw CoreError(.invalidDuration, "duration \(quoted(text)) is out of range; it must be between \(low) and \(high)")
        }
        return GrantDuration(uncheckedSeconds: total)
    }

    /// The shortest form that parses back to the same value: `2h30m`, `1d`, `90s` → `1m30s`, `0s`.
    public var compact: String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds
        var text = ""
        for (unit, size) in Self.units where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }

    /// Go's `time.Duration` form the original CLI printed: hours, minutes and seconds, e.g. `2h0m0s`, `1m30s`, `45s`.
    public var goStyle: String {
        let hours = seconds / 3_600
        let minutes = (seconds % 3_600) / 60
        let secs = seconds % 60
        if hours > 0 { return "\(hours)h\(minutes)m\(secs)s" }
        if minutes > 0 { return "\(minutes)m\(secs)s" }
        return "\(secs)s"
    }

    public var description: String { compact }

    private static func quoted(_ text: String) -> String { "'\(text)'" }
}
