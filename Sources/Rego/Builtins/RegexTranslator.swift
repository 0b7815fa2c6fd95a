/// Translates RE2 syntax to ICU (NSRegularExpression) syntax where they differ.
enum RegexTranslator {
    static func translate(_ pattern: String) -> String {
        var out = ""
        var it = pattern.makeIterator()
        while let c = it.next() {
            if c == "\\" {
                guard let n = it.next() else {
                    out.append("\\")
                    break
                }
                switch n {
                case "z": out += "\\z"
                case "C": out += "."
                case "p", "P":
                    // RE2's one-letter class `\pL` is `\p{L}` in ICU.
                    var copy = it
                    if let name = copy.next(), name != "{", name.isLetter {
                        _ = it.next()
                        out += "\\\(n){\(name)}"
                    } else {
                        out += "\\\(n)"
                    }
                default:
                    out.append("\\")
                    out.append(n)
                }
                continue
            }
            if c == "(" {
                out.append(c)
                // (?P<name>…) → (?<name>…)
                var lookahead = ""
                var copy = it
                if let q = copy.next(), q == "?", let p = copy.next(), p == "P", let lt = copy.next(), lt == "<" {
                    _ = it.next()
                    _ = it.next()
                    _ = it.next()
                    lookahead = "?<"
                }
                out += lookahead
                continue
            }
            out.append(c)
        }
        return out
    }
}
