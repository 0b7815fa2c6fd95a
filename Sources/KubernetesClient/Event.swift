public import Foundation

/// `events.k8s.io/v1` Event.
public struct Event: KubernetesResource, Hashable {
    public static let resourceType = ResourceType.events
    public var apiVersion: String? = "events.k8s.io/v1"
    public var kind: String? = "Event"
    public var metadata: ObjectMeta
    /// Required on create (MicroTime).
    public var eventTime: Date?
    public var reason: String?
    public var note: String?
    /// `Normal` or `Warning`.
    public var type: String?
    public var action: String?
    public var reportingController: String?
    public var reportingInstance: String?
    public var regarding: ObjectReference?
    public var series: JSONValue?

    public init(
        metadata: ObjectMeta, eventTime: Date, type: String, reason: String, action: String, note: String,
        regarding: ObjectReference, reportingController: String, reportingInstance: String
    ) {
        self.metadata = metadata
        self.eventTime = eventTime
        self.type = type
        self.reason = reason
        self.action = action
        self.note = note
        self.regarding = regarding
        self.reportingController = reportingController
        self.reportingInstance = reportingInstance
    }
}
