import Foundation

/// Regex matching bounded by the evaluation deadline: ICU backtracking can be exponential, so matches run
/// with progress callbacks and stop (with `eval_timeout`) once the deadline passes.
extension BuiltinContext {
    func matches(_ re: NSRegularExpression, in s: String, limit: Int = -1) throws -> [NSTextCheckingResult] {
        var out: [NSTextCheckingResult] = []
        var timedOut = false
        let deadline = self.deadline
        var lastEnd = -1
        re.enumerateMatches(in: s, options: [.reportProgress], range: NSRange(s.startIndex..<s.endIndex, in: s)) { m, _, stop in
            if let m {
                // Like Go, an empty match abutting the preceding match is not reported.
                if m.range.length == 0 && m.range.location == lastEnd { return }
                lastEnd = m.range.location + m.range.length
                out.append(m)
                if limit >= 0 && out.count >= limit { stop.pointee = true }
            }
            if DispatchTime.now().uptimeNanoseconds > deadline {
                timedOut = true
                stop.pointee = true
            }
        }
        if timedOut { throw RegoError(code: .timeout, message: "evaluation exceeded its time limit in a regular expression") }
        return out
    }

    func firstMatch(_ re: NSRegularExpression, in s: String) throws -> NSTextCheckingResult? {
        try matches(re, in: s, limit: 1).first
    }
}
