import JitsudoCore
import PostgresNIO

extension PostgresQuery.StringInterpolation {
    /// `(columns) SELECT …`: `drafts` as rows for `INSERT INTO audit_pending`, in order, each stamped with the API call
    /// it was written in (`HTTPRequestScope`). As a fragment it lets one statement record a change and its audit
    /// events together (`RequestRepository.create`, `transition`), which is still one transaction: the events are
    /// linked when it commits, or vanish with it.
    mutating func appendInterpolation(auditRows drafts: [AuditDraft]) {
        let drafts = drafts.map { $0.stamped(httpRequestID: HTTPRequestScope.requestID) }
        appendLiteral("(actor_identity, action, request_id, provider, resource_scope, outcome, details_json) ")
        if drafts.count == 1 {
            let draft = drafts[0]
            appendLiteral("SELECT ")
            appendInterpolation(draft.actorIdentity)
            appendLiteral(", ")
            appendInterpolation(draft.action)
            appendLiteral(", ")
            appendInterpolation(draft.requestID)
            appendLiteral(", ")
            appendInterpolation(draft.provider)
            appendLiteral(", ")
            appendInterpolation(draft.resourceScope)
            appendLiteral(", ")
            appendInterpolation(draft.outcome.rawValue)
            appendLiteral(", ")
            appendInterpolation(draft.detailsJSON)
            return
        }
        // `WITH ORDINALITY … ORDER BY` keeps the drafts' order: pending rows, and so chain positions, follow it.
        appendLiteral("SELECT actor, action, NULLIF(request_id, ''), provider, scope, outcome, details FROM unnest(")
        appendInterpolation(drafts.map(\.actorIdentity))
        appendLiteral("::text[], ")
        appendInterpolation(drafts.map(\.action))
        appendLiteral("::text[], ")
        appendInterpolation(drafts.map { $0.requestID ?? "" })
        appendLiteral("::text[], ")
        appendInterpolation(drafts.map(\.provider))
        appendLiteral("::text[], ")
        appendInterpolation(drafts.map(\.resourceScope))
        appendLiteral("::text[], ")
        appendInterpolation(drafts.map(\.outcome.rawValue))
        appendLiteral("::text[], ")
        appendInterpolation(drafts.map(\.detailsJSON))
        appendLiteral(
            "::text[]) WITH ORDINALITY AS t(actor, action, request_id, provider, scope, outcome, details, position) ORDER BY position")
    }

    /// `, audit_recorded AS (INSERT INTO audit_pending …)`: a data-modifying `WITH` item that records `drafts` in the
    /// statement it is part of (after its first `WITH` item), or nothing when there are none.
    mutating func appendInterpolation(auditWithItem drafts: [AuditDraft]) {
        guard !drafts.isEmpty else { return }
        appendLiteral(", audit_recorded AS (INSERT INTO audit_pending ")
        appendInterpolation(auditRows: drafts)
        appendLiteral(")")
    }
}
