import JitsudoCore
import PostgresNIO

/// The request path's statements, prepared once per pooled connection (PostgresNIO names them and sends only Bind and
/// Execute afterwards): PostgreSQL parses, analyses and plans each once per connection instead of on every call, which
/// was a seventh of the whole machine's time under load (`perf`, BENCHMARKS.md). Their text is fixed: what varies
/// (whether an approval or a revocation is written, how many audit events) is in the bound values, and every value
/// is typed in ``bindingDataTypes`` exactly as its Swift encoder writes it.
extension RequestRepository {
    /// A new request and its audit events, one statement (`create`).
    struct InsertRequest: PostgresPreparedStatement {
        static let name = "jitsudo_insert_request_v2"
        static let sql = """
            WITH created AS (
                INSERT INTO requests (id, state, requester_identity, provider, role, resource_scope, duration_seconds, reason,
                                      break_glass, metadata, approver_tier, required_approvals, approver_identity, approver_comment,
                                      created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14,
                        timestamptz 'epoch' + ($15 * interval '1 microsecond'))
                RETURNING \(RequestRepository.columns), \(RequestRepository.version)
            ), \(AuditRows.withItem(firstParameter: 16))
            SELECT * FROM created
            """
        static let bindingDataTypes: [PostgresDataType] =
            [.text, .text, .text, .text, .text, .text, .int8, .text, .bool, .text, .text, .int8, .text, .text, .int8]
            + AuditRows.dataTypes

        let request: ElevationRequest
        let metadataJSON: String
        let audit: AuditRows

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: Self.bindingDataTypes.count)
            bindings.append(request.id.rawValue)
            bindings.append(request.state.rawValue)
            bindings.append(request.requesterIdentity)
            bindings.append(request.provider)
            bindings.append(request.role)
            bindings.append(request.resourceScope)
            bindings.append(request.durationSeconds)
            bindings.append(request.reason)
            bindings.append(request.breakGlass)
            bindings.append(metadataJSON)
            bindings.append(request.approverTier.rawValue)
            bindings.append(request.requiredApprovals)
            bindings.append(request.approverIdentity)
            bindings.append(request.approverComment)
            bindings.append(request.createdAt.microseconds)
            audit.bind(to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> StoredRequest { try RequestRepository.decodeStored(row) }
    }

    /// The request, locked for the transition (`transition`).
    struct LockRequest: OneTextParameterStatement {
        static let name = "jitsudo_lock_request_v2"
        static let sql = "SELECT \(RequestRepository.columns), \(RequestRepository.version) FROM requests WHERE id = $1 FOR UPDATE"

        let id: RequestID
        var parameter: String { id.rawValue }

        func decodeRow(_ row: PostgresRow) throws -> StoredRequest { try RequestRepository.decodeStored(row) }
    }

    /// A request's approvals, oldest first.
    struct ApprovalsOfRequest: OneTextParameterStatement {
        static let name = "jitsudo_approvals_of_request_v1"
        static let sql = """
            SELECT approver_identity, comment, \(SQL.micros("created_at")) FROM approvals
            WHERE request_id = $1 ORDER BY created_at, approver_identity
            """

        let id: RequestID
        var parameter: String { id.rawValue }

        func decodeRow(_ row: PostgresRow) throws -> Approval {
            let (identity, comment, micros) = try row.decode((String, String, Int64).self)
            return Approval(approverIdentity: identity, comment: comment, createdAt: AuditTimestamp(microsecondsSinceEpoch: micros))
        }
    }

    /// A transition's writes, one statement: the row (only from the state read, and only from the version read when
    /// one is given), the approval and the revocation (each only when given, and only for an updated row) and the audit
    /// events.
    struct UpdateRequest: PostgresPreparedStatement {
        static let name = "jitsudo_update_request_v2"
        static let sql = """
            WITH updated AS (
                UPDATE requests SET
                    state = $1, duration_seconds = $2, approver_tier = $3, required_approvals = $4, approver_identity = $5,
                    approver_comment = $6, ai_reasoning_json = $7,
                    issued_at = timestamptz 'epoch' + ($8 * interval '1 microsecond'),
                    expires_at = timestamptz 'epoch' + ($9 * interval '1 microsecond'),
                    revoke_token = $10, revoked_by = $11, revoke_reason = $12,
                    credentials_json = CASE WHEN $13 THEN credentials_json ELSE $14::jsonb END,
                    updated_at = now()
                WHERE id = $15 AND state = $16 AND ($27::bigint IS NULL OR \(RequestRepository.version) = $27)
                RETURNING \(RequestRepository.columns), \(RequestRepository.version)
            ), approval_recorded AS (
                INSERT INTO approvals (request_id, approver_identity, comment) SELECT id, $17, $18 FROM updated WHERE $17 IS NOT NULL
            ), revocation_queued AS (
                INSERT INTO revocations (request_id, cause) SELECT id, $19 FROM updated WHERE $19 IS NOT NULL
                ON CONFLICT (request_id) DO NOTHING
            ), \(AuditRows.withItem(firstParameter: 20))
            SELECT * FROM updated
            """
        static let bindingDataTypes: [PostgresDataType] =
            [.text, .int8, .text, .int8, .text, .text, .text, .int8, .int8, .text, .text, .text, .bool, .text, .text, .text]
            + [.text, .text, .text] + AuditRows.dataTypes + [.int8]

        let id: RequestID
        let readState: RequestState
        /// The version the row must still have (an optimistic write); nil under the row lock.
        let readVersion: Int64?
        let change: Change

        func makeBindings() throws -> PostgresBindings {
            let new = change.request
            var bindings = PostgresBindings(capacity: Self.bindingDataTypes.count)
            bindings.append(new.state.rawValue)
            bindings.append(new.durationSeconds)
            bindings.append(new.approverTier.rawValue)
            bindings.append(new.requiredApprovals)
            bindings.append(new.approverIdentity)
            bindings.append(new.approverComment)
            bindings.append(new.aiReasoningJSON)
            bindings.append(new.issuedAt?.microseconds)
            bindings.append(new.expiresAt?.microseconds)
            bindings.append(new.revokeToken)
            bindings.append(new.revokedBy)
            bindings.append(new.revokeReason)
            // Credentials are kept while the request stays ACTIVE without new ones, replaced by new ones, and cleared
            // in every other state.
            bindings.append(new.state == .active && change.credentialsJSON == nil)
            bindings.append(new.state == .active ? change.credentialsJSON : nil)
            bindings.append(id.rawValue)
            bindings.append(readState.rawValue)
            bindings.append(change.approval?.approverIdentity)
            bindings.append(change.approval?.comment)
            bindings.append(change.revocation?.rawValue)
            AuditRows(change.audit).bind(to: &bindings)
            bindings.append(readVersion)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> StoredRequest { try RequestRepository.decodeStored(row) }
    }
}
