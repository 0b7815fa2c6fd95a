import Foundation
import Yams

/// Prints rows as JSON (2-space indent) or YAML, and tables with aligned columns.
enum Renderer {
    /// JSON text of `value`, 2-space indent, members sorted by name (stable output for diffs).
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        // Foundation prints empty containers as "[\n\n]"; raw newlines never occur inside JSON strings, so this is safe.
        let compact = text.replacingOccurrences(of: #"\[\s*\]"#, with: "[]", options: .regularExpression)
            .replacingOccurrences(of: #"\{\s*\}"#, with: "{}", options: .regularExpression)
        return reindent(compact)
    }

    /// YAML text of `value`.
    static func yaml(_ value: some Encodable) throws -> String {
        let text = try YAMLEncoder().encode(value)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    /// Prints `value` as json or yaml per `format` (table callers handle themselves).
    static func emit(_ value: some Encodable, format: OutputFormat) throws {
        switch format {
        case .yaml: Console.out(try yaml(value))
        default: Console.out(try json(value))
        }
    }

    /// Foundation's pretty printer indents with 2 spaces on Linux and 4 elsewhere; normalise to 2.
    private static func reindent(_ text: String) -> String {
        guard text.contains("\n    ") && !text.contains("\n  \"") && !text.contains("\n  {") else { return text }
        return text.components(separatedBy: "\n").map { line -> String in
            let spaces = line.prefix { $0 == " " }.count
            return String(repeating: " ", count: spaces / 2) + line.dropFirst(spaces)
        }.joined(separator: "\n")
    }

    /// Aligned columns: header and rows, `gap` spaces between columns.
    static func table(_ header: [String], _ rows: [[String]], gap: Int = 2, colorize: ((Int, String) -> String)? = nil) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String], color: Bool) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let padded = index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
                parts.append(color ? colorize.map { $0(index, padded) } ?? padded : padded)
            }
            return parts.joined(separator: String(repeating: " ", count: gap))
        }
        return ([line(header, color: false)] + rows.map { line($0, color: true) }).joined(separator: "\n")
    }

    /// One RFC 4180 CSV record: fields with a comma, quote, CR or LF are quoted, quotes doubled; CRLF line end.
    static func csvRecord(_ fields: [String]) -> String {
        fields.map { field in
            if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return field
        }.joined(separator: ",") + "\r\n"
    }
}
