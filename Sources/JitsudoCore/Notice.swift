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
