import Foundation

/// units.parse and units.parse_bytes.
extension BuiltinRegistry {
    static func pow(_ base: Int, _ exp: Int) -> RegoNumber {
        var r = RegoNumber.int(1)
        for _ in 0..<exp { r = r * .int(base) }
        return r
    }

    static func splitAmount(_ s: String) -> (String, String) {
        let chars = Array(s)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isNumber || c == "." || ((c == "-" || c == "+") && i == 0) {
                i += 1
                continue
            }
            if c == "e" || c == "E", i > 0, i + 1 < chars.count,
                chars[i + 1].isNumber || ((chars[i + 1] == "-" || chars[i + 1] == "+") && i + 2 < chars.count && chars[i + 2].isNumber)
            {
                i += 2
                continue
            }
            break
        }
        return (String(chars[..<i]), String(chars[i...]))
    }

    static func parseUnits(_ raw: String, bytes: Bool) throws -> RegoNumber {
        let s = raw.replacingOccurrences(of: "\"", with: "")
        if s.contains(" ") { throw BuiltinError.failure("spaces not allowed in resource strings") }
        let (numText, unitText) = splitAmount(s)
        if numText.isEmpty { throw BuiltinError.failure(bytes ? "no byte amount provided" : "no amount provided") }
        var text = numText
        if text.hasPrefix(".") { text = "0" + text }
        if text.hasPrefix("-.") { text = "-0" + text.dropFirst() }
        guard let n = RegoNumber(literal: text), text.filter({ $0 == "." }).count <= 1 else {
            throw BuiltinError.failure(bytes ? "could not parse byte amount to a number" : "could not parse amount to a number")
        }
        var unit = unitText
        if !bytes && unit == "m" { return RegoNumber.divide(n, .int(1000)) ?? n }
        unit = unit.lowercased()
        if bytes, unit.hasSuffix("b") { unit.removeLast() }
        let decimal = ["": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6]
        let binary = ["ki": 1, "mi": 2, "gi": 3, "ti": 4, "pi": 5, "ei": 6]
        var result: RegoNumber
        if let e = decimal[unit] {
            result = n * pow(1000, e)
        } else if let e = binary[unit] {
            result = n * pow(1024, e)
        } else {
            throw BuiltinError.failure(bytes ? "byte unit \(unitText) not recognized" : "unit \(unitText) not recognized")
        }
        if bytes, !result.isExactInteger {
            result = RegoNumber.make(result.doubleValue.rounded(.towardZero))
        }
        return result
    }

    static func registerUnits(_ add: Adder) {
        add("units.parse", 1) { _, a in .number(try parseUnits(try string(a, 0), bytes: false)) }
        add("units.parse_bytes", 1) { _, a in .number(try parseUnits(try string(a, 0), bytes: true)) }
    }
}
