public import Foundation

/// Durations as the CRDs write them: a whole number with one unit, `h`, `m` or `s` (`720h`, `90m`, `60s`).
public enum GoDuration {
    /// Parses `text` into seconds.
    ///
    /// - Throws: ``OperatorCoreError/Code-swift.struct/invalidDuration`` naming `field` when `text` is not of that form or is 0.
    public static func seconds(_ text: String, field: String) throws(OperatorCoreError) -> TimeInterval {
        guard let unit = text.last, let number = Int(text.dropLast()), number > 0, text.first?.isNumber == true else {
            throw OperatorCoreError(.invalidDuration, "\(field) is '\(text)'; write a positive whole number with h, m or s, such as 720h")
        }
        switch unit {
        case "h": return TimeInterval(number) * 3600
        case "m": return TimeInterval(number) * 60
        case "s": return TimeInterval(number)
        default:
            throw OperatorCoreError(.invalidDuration, "\(field) is '\(text)'; write a positive whole number with h, m or s, such as 720h")
        }
    }
}
