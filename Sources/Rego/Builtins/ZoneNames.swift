import Foundation

/// Zone abbreviations as Go prints them (`CET`, `IST`, `-03`), read from the POSIX TZ footer of the
/// system's TZif files; Foundation on Linux only offers `GMT+1`-style names.
enum ZoneNames {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: (std: String, dst: String?)?] = [:]

    /// The abbreviation of `zone` at `date`, or nil when the zone database has none.
    static func abbreviation(_ zone: TimeZone, at date: Date) -> String? {
        guard let names = footerNames(zone.identifier) else { return nil }
        if zone.isDaylightSavingTime(for: date), let dst = names.dst { return dst }
        return names.std
    }

    static func footerNames(_ identifier: String) -> (std: String, dst: String?)? {
        lock.lock()
        if let hit = cache[identifier] {
            lock.unlock()
            return hit
        }
        lock.unlock()
        var result: (std: String, dst: String?)? = nil
        if !identifier.contains(".."), let data = FileManager.default.contents(atPath: "/usr/share/zoneinfo/" + identifier),
            data.count > 2, data.last == 0x0A
        {
            let bytes = [UInt8](data)
            var start = bytes.count - 2
            while start > 0, bytes[start] != 0x0A { start -= 1 }
            let footer = String(decoding: bytes[(start + 1)..<(bytes.count - 1)], as: UTF8.self)
            result = parse(footer)
        }
        lock.lock()
        cache[identifier] = result
        lock.unlock()
        return result
    }

    /// Parses `CET-1CEST,M3.5.0,M10.5.0/3`, `IST-5:30`, `<-03>3`.
    static func parse(_ tz: String) -> (std: String, dst: String?)? {
        var chars = Substring(tz)
        func name() -> String? {
            if chars.first == "<" {
                guard let end = chars.firstIndex(of: ">") else { return nil }
                let n = String(chars[chars.index(after: chars.startIndex)..<end])
                chars = chars[chars.index(after: end)...]
                return n
            }
            let n = chars.prefix { $0.isLetter }
            guard n.count >= 3 else { return nil }
            chars = chars.dropFirst(n.count)
            return String(n)
        }
        guard let std = name() else { return nil }
        chars = chars.drop { $0.isNumber || $0 == "+" || $0 == "-" || $0 == ":" }
        let dst = chars.isEmpty || chars.first == "," ? nil : name()
        return (std, dst)
    }
}
