public import Foundation

/// A status condition as the CRDs define them (`Ready`, `Progressing`, `Degraded`), the shape of metav1.Condition.
public struct Condition: Sendable, Equatable, Codable {
    /// The three condition types every jitsudo.dev object reports.
    public enum Kind: String, Sendable, Codable, CaseIterable { case ready = "Ready", progressing = "Progressing", degraded = "Degraded" }
    /// `True`, `False` or `Unknown`.
    public enum Status: String, Sendable, Codable { case `true` = "True", `false` = "False", unknown = "Unknown" }

    public var type: Kind
    public var status: Status
    public var observedGeneration: Int64
    public var lastTransitionTime: Date
    /// CamelCase, machine-readable.
    public var reason: String
    /// A sentence for humans: what is happening, or what to do.
    public var message: String

    public init(type: Kind, status: Status, observedGeneration: Int64, lastTransitionTime: Date, reason: String, message: String) {
        self.type = type
        self.status = status
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

/// What a reconciler says the three conditions should be: which one is true, with a reason and a message.
public struct ConditionSummary: Sendable, Equatable {
    /// The one condition that holds; the other two are False.
    public var holding: Condition.Kind
    public var reason: String
    public var message: String

    public init(_ holding: Condition.Kind, reason: String, message: String) {
        self.holding = holding
        self.reason = reason
        self.message = message
    }

    /// One summary for an object several reconcilers report on: Degraded if any is, else Progressing if any is,
    /// else Ready; the reasons and messages of the deciding summaries joined.
    public static func combine(_ summaries: [ConditionSummary]) -> ConditionSummary {
        for kind in [Condition.Kind.degraded, .progressing, .ready] {
            let deciding = summaries.filter { $0.holding == kind }
            if !deciding.isEmpty {
                return ConditionSummary(
                    kind, reason: deciding.map(\.reason).joined(separator: ","), message: deciding.map(\.message).joined(separator: "; ")
                )
            }
        }
        return ConditionSummary(.progressing, reason: "Unknown", message: "not reconciled yet")
    }

    /// The three conditions for an object at `generation`, keeping `lastTransitionTime` from `previous` where the
    /// status did not change (so a steady object's conditions do not churn).
    public func conditions(previous: [Condition], generation: Int64, now: Date) -> [Condition] {
        Condition.Kind.allCases.map { kind in
            let status: Condition.Status = kind == holding ? .true : .false
            let earlier = previous.first { $0.type == kind }
            let since = earlier.flatMap { $0.status == status ? $0.lastTransitionTime : nil } ?? now
            return Condition(
                type: kind, status: status, observedGeneration: generation, lastTransitionTime: since, reason: reason, message: message
            )
        }
    }
}

/// A Kubernetes Event the executor records on the object it reconciles.
public struct ReconcileEvent: Sendable, Equatable {
    /// `Normal` or `Warning`.
    public enum Kind: String, Sendable { case normal = "Normal", warning = "Warning" }
    public var type: Kind
    public var reason: String
    public var message: String

    public init(_ type: Kind, reason: String, message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }
}
