/// The authenticated person making an API call.
public struct Caller: Sendable, Hashable {
    public var email: String
    public var subject: String
    public var groups: [String]
    /// Member of an admin group or listed in the admin emails.
    public var isAdmin: Bool

    public init(email: String, subject: String, groups: [String], isAdmin: Bool) {
        self.email = email
        self.subject = subject
        self.groups = groups
        self.isAdmin = isAdmin
    }
}
