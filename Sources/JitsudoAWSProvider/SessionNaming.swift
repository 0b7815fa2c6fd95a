/// AWS's rules for the strings jitsudo puts on a session, as pure functions.
public enum SessionNaming {
    /// A `RoleSessionName` / `SourceIdentity` from `identity`: the characters AWS allows (`[A-Za-z0-9+=,.@_-]`),
    /// others replaced by `-`, 2 to 64 characters (short ones padded with `-`).
    public static func sanitized(_ identity: String) -> String {
        let allowed = Set("+=,.@_-")
        var text = String(identity.map { ($0.isASCII && ($0.isLetter || $0.isNumber)) || allowed.contains($0) ? $0 : "-" }.prefix(64))
        while text.count < 2 { text += "-" }
        return text
    }

    /// Whether `scope` is an AWS account id (12 digits).
    public static func isAccountID(_ scope: String) -> Bool { scope.count == 12 && scope.allSatisfy { $0.isASCII && $0.isNumber } }

    /// The seconds of one STS session for a grant with `remaining` seconds left: at least STS's 900, at most
    /// `maximum` (the role's or STS's 12 h, or 1 h when jitsudod itself runs on an assumed role: role chaining).
    public static func sessionSeconds(remaining: Int64, maximum: Int64) -> Int {
        Int(min(max(remaining, 900), max(maximum, 900)))
    }
}
