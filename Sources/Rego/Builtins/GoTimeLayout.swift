/// Go reference-time layouts (`2006-01-02T15:04:05Z07:00`) for formatting and parsing.
enum GoTimeLayout {
    static let rfc3339Nano = "2006-01-02T15:04:05.999999999Z07:00"

    /// The layout OPA substitutes for `name` (it knows Go's RFC and Unix names; `Kitchen`, `Stamp`, `DateOnly`… stay literal).
    static func named(_ name: String) -> String {
        switch name {
        case "ANSIC": return "Mon Jan _2 15:04:05 2006"
        case "UnixDate": return "Mon Jan _2 15:04:05 MST 2006"
        case "RubyDate": return "Mon Jan 02 15:04:05 -0700 2006"
        case "RFC822": return "02 Jan 06 15:04 MST"
        case "RFC822Z": return "02 Jan 06 15:04 -0700"
        case "RFC850": return "Monday, 02-Jan-06 15:04:05 MST"
        case "RFC1123": return "Mon, 02 Jan 2006 15:04:05 MST"
        case "RFC1123Z": return "Mon, 02 Jan 2006 15:04:05 -0700"
        case "RFC3339": return "2006-01-02T15:04:05Z07:00"
        case "RFC3339Nano": return rfc3339Nano
        default: return name
        }
    }

    enum Chunk: Equatable {
        case literal(Character)
        case std(String)
        /// Fractional seconds: digits count, trim trailing zeros (`9`) or not (`0`).
        case fraction(Int, Bool)
    }

    static let stdTokens = [
        "January", "Jan", "Monday", "Mon", "MST", "2006", "002", "01", "02", "03", "04", "05", "06", "__2", "_2", "15", "1", "2", "3", "4",
        "5", "PM", "pm", "-07:00:00", "-070000", "-0700", "-07:00", "-07", "Z07:00:00", "Z070000", "Z0700", "Z07:00", "Z07",
    ]

    static func chunks(_ layout: String) -> [Chunk] {
        let chars = Array(layout)
        var out: [Chunk] = []
        var i = 0
        outer: while i < chars.count {
            if chars[i] == "." || chars[i] == ",", i + 1 < chars.count, chars[i + 1] == "0" || chars[i + 1] == "9" {
                let d = chars[i + 1]
                var j = i + 1
                while j < chars.count, chars[j] == d { j += 1 }
                if j >= chars.count || !chars[j].isNumber, i > 0, chars[i - 1].isNumber {
                    out.append(.fraction(j - i - 1, d == "9"))
                    i = j
                    continue
                }
            }
            for t in stdTokens {
                let tc = Array(t)
                if i + tc.count <= chars.count, Array(chars[i..<i + tc.count]) == tc {
                    // "Mon" must not be followed by a lowercase letter ("Month").
                    if t == "Jan" || t == "Mon", i + 3 < chars.count, chars[i + 3].isLowercase { break }
                    out.append(.std(t))
                    i += tc.count
                    continue outer
                }
            }
            out.append(.literal(chars[i]))
            i += 1
        }
        return out
    }

    static func pad(_ v: Int, _ w: Int) -> String {
        let s = String(v.magnitude)
        return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, w - s.count)) + s
    }

    static func format(_ t: CivilTime, layout: String) -> String {
        var out = ""
        for c in chunks(layout) {
            switch c {
            case .literal(let ch): out.append(ch)
            case .fraction(let n, let trim):
                var digits = pad(t.nanosecond, 9)
                digits = String(digits.prefix(n))
                if trim { while digits.hasSuffix("0") { digits.removeLast() } }
                if !digits.isEmpty { out += "." + digits }
            case .std(let s):
                let off = t.offset
                let sign = off < 0 ? "-" : "+"
                let oh = abs(off) / 3600, om = abs(off) % 3600 / 60, os = abs(off) % 60
                switch s {
                case "January": out += CivilTime.months[t.month - 1]
                case "Jan": out += String(CivilTime.months[t.month - 1].prefix(3))
                case "Monday": out += CivilTime.weekdays[t.weekday]
                case "Mon": out += String(CivilTime.weekdays[t.weekday].prefix(3))
                case "MST": out += t.zoneName
                case "2006": out += pad(t.year, 4)
                case "06": out += pad(t.year % 100, 2)
                case "01": out += pad(t.month, 2)
                case "1": out += String(t.month)
                case "02": out += pad(t.day, 2)
                case "2": out += String(t.day)
                case "_2": out += t.day < 10 ? " \(t.day)" : String(t.day)
                case "__2", "002": out += pad(t.yearDay, 3)
                case "15": out += pad(t.hour, 2)
                case "03": out += pad(t.hour % 12 == 0 ? 12 : t.hour % 12, 2)
                case "3": out += String(t.hour % 12 == 0 ? 12 : t.hour % 12)
                case "04": out += pad(t.minute, 2)
                case "4": out += String(t.minute)
                case "05": out += pad(t.second, 2)
                case "5": out += String(t.second)
                case "PM": out += t.hour >= 12 ? "PM" : "AM"
                case "pm": out += t.hour >= 12 ? "pm" : "am"
                default:
                    if s.hasPrefix("Z"), off == 0 {
                        out += "Z"
                        break
                    }
                    let body = s.hasPrefix("Z") ? String(s.dropFirst()) : String(s.dropFirst())
                    switch body {
                    case "07:00:00": out += "\(sign)\(pad(oh, 2)):\(pad(om, 2)):\(pad(os, 2))"
                    case "070000": out += "\(sign)\(pad(oh, 2))\(pad(om, 2))\(pad(os, 2))"
                    case "0700": out += "\(sign)\(pad(oh, 2))\(pad(om, 2))"
                    case "07:00": out += "\(sign)\(pad(oh, 2)):\(pad(om, 2))"
                    default: out += "\(sign)\(pad(oh, 2))"
                    }
                }
            }
        }
        return out
    }

    /// Parses `value` with `layout`; returns nanoseconds since the epoch.
    static func parse(layout: String, value: String, rfc3339: Bool) throws -> Int {
        let v = Array(value)
        var i = 0
        var year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0, offset = 0, pm: Bool? = nil
        func fail() -> BuiltinError {
            BuiltinError.failure("parsing time \(RegoValue.string(value).jsonText) as \(RegoValue.string(layout).jsonText): cannot parse")
        }
        func digits(_ min: Int, _ max: Int) throws -> Int {
            var n = 0, c = 0
            while c < max, i < v.count, let d = v[i].wholeNumberValue, v[i].isASCII {
                n = n * 10 + d
                i += 1
                c += 1
            }
            if c < min { throw fail() }
            return n
        }
        func fraction() throws {
            guard i < v.count, v[i] == "." || v[i] == ",", i + 1 < v.count, v[i + 1].isNumber else { return }
            i += 1
            var s = ""
            while i < v.count, v[i].isNumber, v[i].isASCII {
                s.append(v[i])
                i += 1
            }
            nanos = Int((s + "000000000").prefix(9)) ?? 0
        }
        for c in chunks(layout) {
            switch c {
            case .literal(let ch):
                guard i < v.count, v[i] == ch else { throw fail() }
                i += 1
            case .fraction: try fraction()
            case .std(let s):
                switch s {
                case "2006": year = try digits(4, 4)
                case "06":
                    let y = try digits(2, 2)
                    year = y >= 69 ? 1900 + y : 2000 + y
                case "01": month = try digits(2, 2)
                case "1": month = try digits(1, 2)
                case "02": day = try digits(2, 2)
                case "2": day = try digits(1, 2)
                case "_2":
                    if i < v.count, v[i] == " " { i += 1 }
                    day = try digits(1, 2)
                case "__2", "002": _ = try digits(3, 3)
                case "15": hour = try digits(rfc3339 ? 2 : 1, 2)
                case "03": hour = try digits(2, 2)
                case "3": hour = try digits(1, 2)
                case "04": minute = try digits(2, 2)
                case "4": minute = try digits(1, 2)
                case "05":
                    second = try digits(2, 2)
                    try fraction()
                case "5":
                    second = try digits(1, 2)
                    try fraction()
                case "PM", "pm":
                    guard i + 2 <= v.count else { throw fail() }
                    let t = String(v[i..<i + 2]).uppercased()
                    guard t == "AM" || t == "PM" else { throw fail() }
                    pm = t == "PM"
                    i += 2
                case "January", "Jan":
                    var found = false
                    for (idx, name) in CivilTime.months.enumerated() {
                        let n = s == "Jan" ? String(name.prefix(3)) : name
                        if i + n.count <= v.count, String(v[i..<i + n.count]).lowercased() == n.lowercased() {
                            month = idx + 1
                            i += n.count
                            found = true
                            break
                        }
                    }
                    if !found { throw fail() }
                case "Monday", "Mon":
                    var found = false
                    for name in CivilTime.weekdays {
                        let n = s == "Mon" ? String(name.prefix(3)) : name
                        if i + n.count <= v.count, String(v[i..<i + n.count]).lowercased() == n.lowercased() {
                            i += n.count
                            found = true
                            break
                        }
                    }
                    if !found { throw fail() }
                case "MST":
                    var n = 0
                    while i < v.count, v[i].isUppercase {
                        i += 1
                        n += 1
                    }
                    if n < 3 { throw fail() }
                default:
                    if s.hasPrefix("Z"), i < v.count, v[i] == "Z" {
                        i += 1
                        offset = 0
                        break
                    }
                    guard i < v.count, v[i] == "+" || v[i] == "-" else { throw fail() }
                    let neg = v[i] == "-"
                    i += 1
                    let h = try digits(2, 2)
                    var m = 0, sec = 0
                    let body = String(s.dropFirst())
                    if body.contains(":") {
                        if i < v.count, v[i] == ":" {
                            i += 1
                            m = try digits(2, 2)
                        } else {
                            throw fail()
                        }
                        if body == "07:00:00" {
                            guard i < v.count, v[i] == ":" else { throw fail() }
                            i += 1
                            sec = try digits(2, 2)
                        }
                    } else if body != "07" {
                        m = try digits(2, 2)
                        if body == "070000" { sec = try digits(2, 2) }
                    }
                    offset = (h * 3600 + m * 60 + sec) * (neg ? -1 : 1)
                }
            }
        }
        if i != v.count {
            throw BuiltinError.failure("parsing time \(RegoValue.string(value).jsonText): extra text: \(RegoValue.string(String(v[i...])).jsonText)")
        }
        if let pm {
            if pm && hour < 12 { hour += 12 } else if !pm && hour == 12 { hour = 0 }
        }
        guard month >= 1, month <= 12, day >= 1, day <= 31, hour < 24, minute < 60, second < 60 else {
            throw BuiltinError.failure("parsing time \(RegoValue.string(value).jsonText): value out of range")
        }
        let days = CivilTime.days(year: year, month: month, day: day)
        guard days < CivilTime.days(year: year, month: month + 1, day: 1) else {
            throw BuiltinError.failure("parsing time \(RegoValue.string(value).jsonText): day out of range")
        }
        guard let secs = CivilTime.epochSeconds(days: days, hour: hour, minute: minute, second: second, offset: offset),
            let ns = CivilTime.epochNanoseconds(seconds: secs, nanos: nanos)
        else { throw BuiltinError.failure("time outside of valid range") }
        return ns
    }
}
