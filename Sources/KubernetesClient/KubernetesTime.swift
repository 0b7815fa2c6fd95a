public import Foundation

extension JSONDecoder {
    /// Decodes Kubernetes JSON: RFC 3339 times with or without fractional seconds.
    public static var kubernetes: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = KubernetesTime.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
            }
            return date
        }
        return decoder
    }
}

extension JSONEncoder {
    /// Encodes Kubernetes JSON: times as RFC 3339 UTC with microseconds (valid for both `Time` and `MicroTime`).
    public static var kubernetes: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(KubernetesTime.format(date))
        }
        return encoder
    }
}

/// RFC 3339 times as the API writes them.
public enum KubernetesTime {
    /// `2024-05-01T12:00:00.123456Z`.
    public static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let micros = min(999_999, Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded()))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return String(formatter.string(from: Date(timeIntervalSince1970: seconds)).dropLast()) + String(format: ".%06dZ", micros)
    }

    /// Parses RFC 3339 with or without fractional seconds (kept to the microsecond); nil when it is neither.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let dot = text.firstIndex(of: ".") else { return formatter.date(from: text) }
        let rest = text[text.index(after: dot)...]
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let whole = formatter.date(from: String(text[..<dot]) + rest.dropFirst(digits.count)),
            let fraction = Double("0." + digits)
        else { return nil }
        return whole.addingTimeInterval(fraction)
    }
}
