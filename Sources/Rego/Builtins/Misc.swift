import Foundation

/// crypto.*, uuid.rfc4122, semver.*, print/trace.
extension BuiltinRegistry {
    static func registerMisc(_ add: Adder) {
        add("crypto.md5", 1) { _, a in .string(Digest.hex(Digest.md5(Array(try string(a, 0).utf8)))) }
        add("crypto.sha1", 1) { _, a in .string(Digest.hex(Digest.sha1(Array(try string(a, 0).utf8)))) }
        add("crypto.sha256", 1) { _, a in .string(Digest.hex(Digest.sha256(Array(try string(a, 0).utf8)))) }
        for (name, algo) in [("md5", Digest.Algorithm.md5), ("sha1", .sha1), ("sha256", .sha256), ("sha512", .sha512)] {
            add("crypto.hmac.\(name)", 2) { _, a in
                .string(Digest.hex(Digest.hmac(algo, key: Array(try string(a, 1).utf8), message: Array(try string(a, 0).utf8))))
            }
        }
        add("crypto.hmac.equal", 2) { _, a in
            let x = Array(try string(a, 0).utf8), y = Array(try string(a, 1).utf8)
            guard x.count == y.count else { return .bool(false) }
            var diff: UInt8 = 0
            for i in 0..<x.count { diff |= x[i] ^ y[i] }
            return .bool(diff == 0)
        }
        add("uuid.rfc4122", 1) { ctx, a in
            let key = try string(a, 0)
            if let v = ctx.uuidCache[key] { return v }
            let v = RegoValue.string(UUID().uuidString.lowercased())
            ctx.uuidCache[key] = v
            return v
        }
        add("semver.is_valid", 1) { _, a in
            guard case .string(let s) = a[0] else { return .bool(false) }
            return .bool(SemanticVersion(s) != nil)
        }
        add("semver.compare", 2) { _, a in
            let x = try string(a, 0), y = try string(a, 1)
            guard let vx = SemanticVersion(x) else {
                throw BuiltinError.failure("operand 1: string \(RegoValue.string(x).jsonText) is not a valid SemVer")
            }
            guard let vy = SemanticVersion(y) else {
                throw BuiltinError.failure("operand 2: string \(RegoValue.string(y).jsonText) is not a valid SemVer")
            }
            return .int(SemanticVersion.compare(vx, vy))
        }
        add("print", -1) { _, _ in .bool(true) }
        add("trace", 1) { _, a in
            _ = try string(a, 0)
            return .bool(true)
        }
    }
}

/// A semantic version (semver.org 2.0.0) for `semver.*`.
struct SemanticVersion {
    let major: Int, minor: Int, patch: Int
    let prerelease: [String]

    init?(_ text: String) {
        var s = Substring(text)
        if let plus = s.firstIndex(of: "+") {
            let build = s[s.index(after: plus)...]
            guard !build.isEmpty,
                build.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({
                    !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
                })
            else { return nil }
            s = s[..<plus]
        }
        var pre: [String] = []
        if let dash = s.firstIndex(of: "-") {
            let p = s[s.index(after: dash)...]
            let parts = p.split(separator: ".", omittingEmptySubsequences: false)
            guard !p.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } }) else {
                return nil
            }
            for part in parts where part.allSatisfy(\.isNumber) && part.count > 1 && part.hasPrefix("0") { return nil }
            pre = parts.map(String.init)
            s = s[..<dash]
        }
        let nums = s.split(separator: ".", omittingEmptySubsequences: false)
        guard nums.count == 3 else { return nil }
        var vals: [Int] = []
        for n in nums {
            guard !n.isEmpty, n.allSatisfy({ $0.isASCII && $0.isNumber }), !(n.count > 1 && n.hasPrefix("0")), let v = Int(n) else { return nil }
            vals.append(v)
        }
        major = vals[0]
        minor = vals[1]
        patch = vals[2]
        prerelease = pre
    }

    static func compare(_ a: SemanticVersion, _ b: SemanticVersion) -> Int {
        for (x, y) in [(a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)] where x != y { return x < y ? -1 : 1 }
        if a.prerelease.isEmpty || b.prerelease.isEmpty {
            if a.prerelease.isEmpty && b.prerelease.isEmpty { return 0 }
            return a.prerelease.isEmpty ? 1 : -1
        }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            switch (Int(x), Int(y)) {
            case (let xi?, let yi?): return xi < yi ? -1 : 1
            case (_?, nil): return -1
            case (nil, _?): return 1
            default: return x < y ? -1 : 1
            }
        }
        if a.prerelease.count == b.prerelease.count { return 0 }
        return a.prerelease.count < b.prerelease.count ? -1 : 1
    }
}
