import Foundation
import Synchronization

/// The operator's own metrics in the Prometheus text format: counters and gauges keyed by name and labels.
public final class OperatorMetrics: Sendable {
    private struct Key: Hashable, Comparable {
        var name: String
        var labels: String
        static func < (a: Key, b: Key) -> Bool { (a.name, a.labels) < (b.name, b.labels) }
    }
    private let values = Mutex<[Key: Double]>([:])
    private let types: [String: (String, String)] = [
        "jitsudo_operator_reconciles_total": ("counter", "Reconcile passes, by kind and outcome."),
        "jitsudo_operator_steps_total": ("counter", "Mutating steps executed, by kind and step."),
        "jitsudo_operator_events_total": ("counter", "Events recorded, by kind, reason and type."),
        "jitsudo_operator_leader": ("gauge", "Whether this replica holds the Lease (1) or stands by (0)."),
        "jitsudo_operator_restores_in_flight": ("gauge", "JitsudoRestores between Pending and Completed/Failed."),
        "jitsudo_operator_tls_certificate_not_after_seconds": (
            "gauge", "Unix time at which the certificate in the cluster's TLS Secret expires (its status.tls.notAfter)."
        ),
    ]

    public init() {}

    private static func key(_ name: String, _ labels: [String: String]) -> Key {
        let text = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escape($0.value))\"" }.joined(separator: ",")
        return Key(name: name, labels: text)
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    public func count(_ name: String, labels: [String: String] = [:]) {
        values.withLock { $0[Self.key(name, labels), default: 0] += 1 }
    }

    public func set(_ name: String, _ value: Double, labels: [String: String] = [:]) {
        values.withLock { $0[Self.key(name, labels)] = value }
    }

    /// The value of one series (0 when it was never counted or set).
    public func value(_ name: String, labels: [String: String] = [:]) -> Double {
        values.withLock { $0[Self.key(name, labels)] ?? 0 }
    }

    /// The exposition text.
    public func render() -> String {
        let snapshot = values.withLock { $0 }
        var out = ""
        var described = Set<String>()
        for key in snapshot.keys.sorted() {
            if !described.contains(key.name), let (type, help) = types[key.name] {
                out += "# HELP \(key.name) \(help)\n# TYPE \(key.name) \(type)\n"
                described.insert(key.name)
            }
            let value = snapshot[key] ?? 0
            let number = value.rounded() == value ? String(Int64(value)) : String(value)
            out += key.labels.isEmpty ? "\(key.name) \(number)\n" : "\(key.name){\(key.labels)} \(number)\n"
        }
        return out
    }
}
