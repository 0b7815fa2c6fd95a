import Foundation
import KubernetesClient
import Logging
import OperatorCore

/// Records Events (events.k8s.io/v1) on the objects the operator reconciles, logs every step, and counts it.
struct Recorder: Sendable {
    let client: KubernetesClient
    let identity: String
    let logger: Logger
    let metrics: OperatorMetrics
    /// Stamps the Events.
    let now: @Sendable () -> Date

    func record(_ event: ReconcileEvent, on object: GenericResource, kind: String) async {
        let name = object.metadata.name ?? ""
        let namespace = object.metadata.namespace ?? client.configuration.namespace
        var level: Logger.Level = event.type == .warning ? .warning : .info
        if event.reason.isEmpty { level = .debug }
        logger.log(
            level: level, "\(event.message)",
            metadata: [
                "kind": "\(kind)", "name": "\(name)", "namespace": "\(namespace)", "reason": "\(event.reason)", "type": "\(event.type.rawValue)",
            ])
        metrics.count("jitsudo_operator_events_total", labels: ["kind": kind, "reason": event.reason, "type": event.type.rawValue])
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let kubeEvent = Event(
            metadata: ObjectMeta(name: "\(name).\(suffix)", namespace: namespace), eventTime: now(), type: event.type.rawValue,
            reason: event.reason, action: "Reconcile", note: String(event.message.prefix(1000)),
            regarding: ObjectReference(apiVersion: object.apiVersion, kind: kind, name: name, namespace: namespace, uid: object.metadata.uid),
            reportingController: "jitsudo.dev/operator", reportingInstance: identity
        )
        do {
            _ = try await client.create(kubeEvent)
        } catch {
            logger.warning("could not record an event", metadata: ["reason": "\(event.reason)", "error": "\(error)"])
        }
    }

    /// Counts one executed mutating step (`jitsudo_operator_steps_total`), labelled by the object's kind and the step.
    func counted<Step>(_ step: Step, kind: String) -> Step {
        let name = "\(step)".prefix { $0.isLetter || $0.isNumber }
        metrics.count("jitsudo_operator_steps_total", labels: ["kind": kind, "step": String(name)])
        return step
    }
}
