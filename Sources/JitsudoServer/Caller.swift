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

/// Something to tell people about, routed to every configured channel through the outbox.
public struct Notice: Sendable, Hashable {
    public enum Priority: String, Sendable { case normal, high }
    public var event: String
    public var priority: Priority
    public var title: String
    public var text: String
    public var requestID: String
    public var fields: [String: String]

    public init(event: String, priority: Priority = .normal, title: String, text: String, requestID: String, fields: [String: String] = [:]) {
        self.event = event
        self.priority = priority
        self.title = title
        self.text = text
        self.requestID = requestID
        self.fields = fields
    }
}
