public import Foundation

/// A Kubernetes object the client can read and write: it has `metadata` and round-trips through JSON.
public protocol KubernetesObject: Codable, Sendable {
    var metadata: ObjectMeta { get set }
}

/// A kind with a fixed place in the API (every typed model; generic custom resources name theirs per call).
public protocol KubernetesResource: KubernetesObject {
    static var resourceType: ResourceType { get }
}

/// `metadata` of every object.
public struct ObjectMeta: Codable, Sendable, Hashable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var generation: Int64?
    public var creationTimestamp: Date?
    public var deletionTimestamp: Date?
    public var deletionGracePeriodSeconds: Int64?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var ownerReferences: [OwnerReference]?
    public var finalizers: [String]?

    public init(name: String? = nil, namespace: String? = nil, labels: [String: String]? = nil, annotations: [String: String]? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
    }
}

public struct OwnerReference: Codable, Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var uid: String
    public var controller: Bool?
    public var blockOwnerDeletion: Bool?

    public init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool? = nil, blockOwnerDeletion: Bool? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }
}

/// `metadata` of a list.
public struct ListMeta: Codable, Sendable, Hashable {
    public var resourceVersion: String?
    public var `continue`: String?
}

/// The answer of a list call.
public struct ObjectList<Item: KubernetesObject>: Codable, Sendable {
    public var metadata: ListMeta
    public var items: [Item]
}

/// A label selector as the API writes it (`matchLabels`, `matchExpressions`).
public struct LabelSelector: Codable, Sendable, Hashable {
    public struct Requirement: Codable, Sendable, Hashable {
        public var key: String
        public var `operator`: String
        public var values: [String]?
        public init(key: String, operator: String, values: [String]? = nil) {
            self.key = key
            self.operator = `operator`
            self.values = values
        }
    }
    public var matchLabels: [String: String]?
    public var matchExpressions: [Requirement]?
    public init(matchLabels: [String: String]? = nil, matchExpressions: [Requirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }
}

/// A condition as most kinds report them (`type`, `status`, `reason`, `message`).
public struct Condition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastTransitionTime: Date?
    public var lastUpdateTime: Date?
    public var lastProbeTime: Date?
    public var observedGeneration: Int64?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: Date? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

extension JSONDecoder {
    /// Decodes Kubernetes JSON: RFC 3339 times with or without fractional seconds.
    public static var kubernetes: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = KubernetesTime.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
            }
            return date
        }
        return decoder
    }
}

extension JSONEncoder {
    /// Encodes Kubernetes JSON: times as RFC 3339 UTC with microseconds (valid for both `Time` and `MicroTime`).
    public static var kubernetes: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(KubernetesTime.format(date))
        }
        return encoder
    }
}

/// RFC 3339 times as the API writes them.
public enum KubernetesTime {
    /// `2024-05-01T12:00:00.123456Z`.
    public static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let micros = min(999_999, Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded()))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return String(formatter.string(from: Date(timeIntervalSince1970: seconds)).dropLast()) + String(format: ".%06dZ", micros)
    }

    /// Parses RFC 3339 with or without fractional seconds (kept to the microsecond); nil when it is neither.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let dot = text.firstIndex(of: ".") else { return formatter.date(from: text) }
        let rest = text[text.index(after: dot)...]
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let whole = formatter.date(from: String(text[..<dot]) + rest.dropFirst(digits.count)),
              let fraction = Double("0." + digits)
        else { return nil }
        return whole.addingTimeInterval(fraction)
    }
}
