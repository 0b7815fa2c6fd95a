import JitsudoCore
import PostgresNIO

/// Audit drafts as the bound values of a prepared statement's `audit_pending` insert: seven text arrays, one element
/// per event, in order (none is valid: the insert then writes nothing). Each event names the API call it was written
/// in (`HTTPRequestScope`).
struct AuditRows: Sendable {
    let drafts: [AuditDraft]

    init(_ drafts: [AuditDraft]) {
        self.drafts = drafts.map { $0.stamped(httpRequestID: HTTPRequestScope.requestID) }
    }

    /// The types of the seven arrays.
    static let dataTypes = [PostgresDataType](repeating: .textArray, count: 7)

    /// The `INSERT INTO audit_pending …` of the drafts, reading the arrays from `$firstParameter` on.
    /// `WITH ORDINALITY … ORDER BY` keeps the drafts' order: staging order, and so chain positions, follow it; a NULL
    /// request is bound as "".
    static func insert(firstParameter first: Int) -> String {
        let arrays = (first..<first + 7).map { "$\($0)" }.joined(separator: ", ")
        return """
            INSERT INTO audit_pending (actor_identity, action, request_id, provider, resource_scope, outcome, details_json)
            SELECT actor, action, NULLIF(request_id, ''), provider, scope, outcome, details
            FROM unnest(\(arrays)) WITH ORDINALITY AS t(actor, action, request_id, provider, scope, outcome, details, position)
            ORDER BY position
            """
    }

    /// The same insert as the `audit_recorded AS (…)` item of a `WITH`.
    static func withItem(firstParameter first: Int) -> String {
        "audit_recorded AS (\n\(insert(firstParameter: first))\n)"
    }

    func bind(to bindings: inout PostgresBindings) {
        bindings.append(drafts.map(\.actorIdentity))
        bindings.append(drafts.map(\.action))
        bindings.append(drafts.map { $0.requestID ?? "" })
        bindings.append(drafts.map(\.provider))
        bindings.append(drafts.map(\.resourceScope))
        bindings.append(drafts.map(\.outcome.rawValue))
        bindings.append(drafts.map(\.detailsJSON))
    }
}
