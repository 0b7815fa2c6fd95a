/// The lifecycle state of an elevation request, stored with the original's literal spellings.
public enum RequestState: String, Sendable, Hashable, CaseIterable, Codable {
    case pending = "PENDING"
    case approved = "APPROVED"
    case rejected = "REJECTED"
    case active = "ACTIVE"
    case expired = "EXPIRED"
    case revoked = "REVOKED"

    /// `REJECTED`, `EXPIRED` and `REVOKED` never change again.
    public var isTerminal: Bool {
        switch self {
        case .rejected, .expired, .revoked: true
        case .pending, .approved, .active: false
        }
    }

    /// The API enum name, e.g. `REQUEST_STATE_ACTIVE`.
    public var apiName: String { "REQUEST_STATE_\(rawValue)" }

    /// The API enum number (`REQUEST_STATE_PENDING` = 1 … `REQUEST_STATE_REVOKED` = 6).
    public var apiNumber: Int {
        switch self {
        case .pending: 1
        case .approved: 2
        case .rejected: 3
        case .active: 4
        case .expired: 5
        case .revoked: 6
        }
    }

    /// Parses the forms clients may send: the stored name in any case (`active`), the API name
    /// (`REQUEST_STATE_ACTIVE`) or its number (`4`). Returns nil for anything else.
    public init?(parsing text: String) {
        let upper = text.uppercased()
        let short = upper.hasPrefix("REQUEST_STATE_") ? String(upper.dropFirst("REQUEST_STATE_".count)) : upper
        if let state = RequestState(rawValue: short) {
            self = state
        } else if let number = Int(text), let state = RequestState.allCases.first(where: { $0.apiNumber == number }) {
            self = state
        } else {
            return nil
        }
    }
}
