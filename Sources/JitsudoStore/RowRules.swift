/// One table's rules: the columns they read and each rule's name and expression (migration 15). The function tests them
/// all as one expression first (one evaluation per row), and one by one only for a row that does not pass it. This is
/// migration 15's text: change a rule only through a new migration that replaces the function.
struct RowRules: Sendable {
    let table: String
    /// The columns the rules read, with their types, in the function's argument order.
    let columns: [(name: String, type: String)]
    /// Each rule: the name of the constraint it was, and its expression over `columns`.
    let rules: [(name: String, expression: String)]

    var functionName: String { "\(table)_rules" }

    var functionDefinition: String {
        let arguments = columns.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
        let allHold = rules.map { "(\($0.expression))" }.joined(separator: "\n        AND ")
        let checks = rules.map { rule in
            "    IF NOT (\(rule.expression)) THEN PERFORM jitsudo_rule_violated('\(table)', '\(rule.name)'); END IF;"
        }
        // The common case is one expression; only a row that it does not pass (false, or NULL: a CHECK lets a NULL
        // rule pass) is judged rule by rule, to refuse it under the broken rule's name or let it pass.
        return """
            CREATE FUNCTION \(functionName)(\(arguments)) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN
                IF \(allHold) THEN
                    RETURN true;
                END IF;
            \(checks.joined(separator: "\n"))
                RETURN true;
            END
            $$
            """
    }

    var replacingConstraints: String {
        let drops = rules.map { "DROP CONSTRAINT \($0.name)" }
        let call = "\(functionName)(\(columns.map(\.name).joined(separator: ", ")))"
        return "ALTER TABLE \(table)\n    " + (drops + ["ADD CONSTRAINT \(functionName) CHECK (\(call)) NOT VALID"]).joined(separator: ",\n    ")
    }

    static let requests = RowRules(
        table: "requests",
        columns: [
            ("id", "text"), ("state", "text"), ("requester_identity", "text"), ("provider", "text"), ("role", "text"),
            ("duration_seconds", "bigint"), ("metadata", "jsonb"), ("approver_tier", "text"), ("required_approvals", "integer"),
            ("issued_at", "timestamptz"), ("expires_at", "timestamptz"), ("credentials_json", "jsonb"),
        ],
        rules: [
            ("requests_id_check", requestIDRule("id")),
            ("requests_state_check", "state = ANY (ARRAY['PENDING', 'APPROVED', 'REJECTED', 'ACTIVE', 'EXPIRED', 'REVOKED'])"),
            ("requests_requester_identity_check", "requester_identity <> ''"),
            ("requests_provider_check", "provider <> ''"),
            ("requests_role_check", "role <> ''"),
            ("requests_duration_seconds_check", "duration_seconds > 0"),
            (
                "requests_metadata_check",
                #"jsonb_typeof(metadata) = 'object' AND NOT jsonb_path_exists(metadata, '$.*?(@.type() != "string")'::jsonpath)"#
            ),
            ("requests_approver_tier_check", "approver_tier = ANY (ARRAY['auto', 'ai_review', 'human'])"),
            ("requests_required_approvals_check", "required_approvals >= 1"),
            ("requests_active_has_times", "state <> 'ACTIVE' OR (issued_at IS NOT NULL AND expires_at IS NOT NULL)"),
            ("requests_credentials_only_while_active", "credentials_json IS NULL OR state = 'ACTIVE'"),
        ])

    /// `column ~ '^req_[0-9A-HJKMNP-TV-Z]{26}$'` without a regular expression: after `req_`, removing every Crockford
    /// base-32 digit leaves nothing (a character kept by `translate` is outside the class). PostgreSQL's regex engine
    /// was ~1.5 % of the machine for this and ``actionRule(_:)``; `FormatCheckEquivalenceTests` holds both forms to the
    /// regular expressions' answers.
    static func requestIDRule(_ column: String) -> String {
        "length(\(column)) = 30 AND left(\(column), 4) = 'req_' AND translate(substr(\(column), 5), '\(crockfordDigits)', '') = ''"
    }

    static let crockfordDigits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

    /// `column ~ '^[a-z_]+\.[a-z_]+$'` without a regular expression: removing every `[a-z_]` leaves exactly one dot,
    /// which is neither the first character nor the last.
    static func actionRule(_ column: String) -> String {
        "translate(\(column), 'abcdefghijklmnopqrstuvwxyz_', '') = '.' AND left(\(column), 1) <> '.' AND right(\(column), 1) <> '.'"
    }

    static let auditPending = RowRules(
        table: "audit_pending",
        columns: [("actor_identity", "text"), ("action", "text"), ("request_id", "text"), ("outcome", "text")],
        rules: [
            ("audit_pending_actor_check", "actor_identity <> ''"),
            ("audit_pending_action_check", actionRule("action")),
            ("audit_pending_request_id_check", "request_id <> ''"),
            ("audit_pending_outcome_check", "outcome = ANY (ARRAY['success', 'failure'])"),
        ])
}
