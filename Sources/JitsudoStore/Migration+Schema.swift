extension Migration {
    /// Every migration, in order. Append only: never edit a migration that has shipped.
    public static let all: [Migration] = [
        initialSchema, applicationRoleGrants, mockProviderLedger, grantSchedule, replicaRegistry, slackInteractions, consoleSessions, commitTimeChain,
        linearChainLink, pendingCreatedIndex, auditSequencer, scheduleNotifyDueOnly, cheaperFormatChecks, trustTierNotify, rowRules,
        chainLinkCheck,
    ]

    /// The schema of `schema.md` §1 and §7.
    static let initialSchema = Migration(
        version: 1,
        name: "0001_initial_schema.sql",
        statements: [
            """
            CREATE TABLE requests (
                id text PRIMARY KEY CHECK (id ~ '^req_[0-9A-HJKMNP-TV-Z]{26}$'),
                state text NOT NULL DEFAULT 'PENDING'
                    CHECK (state IN ('PENDING', 'APPROVED', 'REJECTED', 'ACTIVE', 'EXPIRED', 'REVOKED')),
                requester_identity text NOT NULL CHECK (requester_identity <> ''),
                provider text NOT NULL CHECK (provider <> ''),
                role text NOT NULL CHECK (role <> ''),
                resource_scope text NOT NULL DEFAULT '',
                duration_seconds bigint NOT NULL CHECK (duration_seconds > 0),
                reason text NOT NULL DEFAULT '',
                break_glass boolean NOT NULL DEFAULT false,
                metadata jsonb NOT NULL DEFAULT '{}'
                    CHECK (jsonb_typeof(metadata) = 'object' AND NOT jsonb_path_exists(metadata, '$.* ? (@.type() != "string")')),
                approver_tier text NOT NULL DEFAULT 'human' CHECK (approver_tier IN ('auto', 'ai_review', 'human')),
                required_approvals integer NOT NULL DEFAULT 1 CHECK (required_approvals >= 1),
                approver_identity text,
                approver_comment text,
                ai_reasoning_json text,
                issued_at timestamptz,
                expires_at timestamptz,
                revoke_token text,
                credentials_json jsonb,
                revoked_by text,
                revoke_reason text,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT requests_credentials_only_while_active CHECK (credentials_json IS NULL OR state = 'ACTIVE'),
                CONSTRAINT requests_active_has_times CHECK (state <> 'ACTIVE' OR (issued_at IS NOT NULL AND expires_at IS NOT NULL))
            )
            """,
            "CREATE INDEX requests_state_idx ON requests (state)",
            "CREATE INDEX requests_requester_idx ON requests (requester_identity, created_at DESC)",
            "CREATE INDEX requests_created_idx ON requests (created_at DESC, id DESC)",
            "CREATE INDEX requests_active_expiry_idx ON requests (expires_at) WHERE state = 'ACTIVE'",
            "CREATE INDEX requests_ai_queue_idx ON requests (created_at) WHERE state = 'PENDING' AND approver_tier = 'ai_review'",
            """
            CREATE TABLE approvals (
                request_id text NOT NULL REFERENCES requests (id),
                approver_identity text NOT NULL CHECK (approver_identity <> ''),
                comment text NOT NULL DEFAULT '',
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (request_id, approver_identity)
            )
            """,
            """
            CREATE TABLE policies (
                id text PRIMARY KEY CHECK (id ~ '^pol_[A-Za-z0-9_]+$'),
                name text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9._-]{1,128}$'),
                type text NOT NULL CHECK (type IN ('ELIGIBILITY', 'APPROVAL')),
                rego text NOT NULL,
                description text NOT NULL DEFAULT '',
                enabled boolean NOT NULL DEFAULT true,
                updated_by text NOT NULL DEFAULT '',
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX policies_type_enabled_idx ON policies (type, enabled)",
            """
            CREATE FUNCTION policies_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('jitsudo_policies', TG_OP);
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER policies_changed AFTER INSERT OR UPDATE OR DELETE ON policies
                FOR EACH STATEMENT EXECUTE FUNCTION policies_notify()
            """,
            """
            CREATE TABLE principals (
                identity text PRIMARY KEY CHECK (identity <> ''),
                trust_tier integer NOT NULL DEFAULT 0 CHECK (trust_tier BETWEEN 0 AND 4),
                enrolled_by text NOT NULL DEFAULT '',
                enrolled_at timestamptz NOT NULL DEFAULT now(),
                last_seen_at timestamptz NOT NULL DEFAULT now(),
                notes text NOT NULL DEFAULT ''
            )
            """,
            """
            CREATE TABLE audit_events (
                id bigint PRIMARY KEY CHECK (id >= 1),
                "timestamp" timestamptz NOT NULL,
                actor_identity text NOT NULL CHECK (actor_identity <> ''),
                action text NOT NULL CHECK (action ~ '^[a-z_]+\\.[a-z_]+$'),
                request_id text CHECK (request_id <> ''),
                provider text NOT NULL DEFAULT '',
                resource_scope text NOT NULL DEFAULT '',
                outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
                details_json text NOT NULL DEFAULT '{}',
                prev_hash text NOT NULL CHECK (prev_hash = '' OR prev_hash ~ '^[0-9a-f]{64}$'),
                hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
                CONSTRAINT audit_events_prev_hash_key UNIQUE (prev_hash),
                CONSTRAINT audit_events_hash_key UNIQUE (hash),
                CONSTRAINT audit_events_genesis CHECK ((id = 1) = (prev_hash = ''))
            )
            """,
            "CREATE INDEX audit_events_request_idx ON audit_events (request_id)",
            "CREATE INDEX audit_events_actor_idx ON audit_events (actor_identity)",
            "CREATE INDEX audit_events_action_idx ON audit_events (action)",
            "CREATE INDEX audit_events_timestamp_idx ON audit_events (\"timestamp\")",
            """
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """,
            """
            CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
                FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
            """,
            """
            CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
                FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
            """,
            """
            CREATE TABLE audit_chain_head (
                id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
                last_id bigint NOT NULL DEFAULT 0 CHECK (last_id >= 0),
                last_hash text NOT NULL DEFAULT '',
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "INSERT INTO audit_chain_head (id, last_id, last_hash) VALUES (1, 0, '')",
            """
            CREATE TABLE revocations (
                request_id text PRIMARY KEY REFERENCES requests (id),
                cause text NOT NULL CHECK (cause IN ('expired', 'revoked')),
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL DEFAULT now(),
                last_error text NOT NULL DEFAULT '',
                created_at timestamptz NOT NULL DEFAULT now(),
                done_at timestamptz
            )
            """,
            "CREATE INDEX revocations_due_idx ON revocations (next_attempt_at) WHERE done_at IS NULL",
            """
            CREATE TABLE leadership (
                id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
                epoch bigint NOT NULL DEFAULT 0,
                holder text NOT NULL DEFAULT '',
                backend_pid integer,
                heartbeat_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "INSERT INTO leadership (id, epoch, holder) VALUES (1, 0, '')",
            """
            CREATE TABLE notifications (
                id bigserial PRIMARY KEY,
                channel text NOT NULL,
                event text NOT NULL,
                payload jsonb NOT NULL DEFAULT '{}',
                priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high')),
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL DEFAULT now(),
                last_error text NOT NULL DEFAULT '',
                created_at timestamptz NOT NULL DEFAULT now(),
                sent_at timestamptz
            )
            """,
            "CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE sent_at IS NULL",
        ]
    )

    /// Privileges of `schema.md` §4 for the application role `jitsudo_app`, when that role exists.
    /// The role is created by the installer (`ops/sql/app-role.sql`); the trigger guards apply to every role anyway.
    static let applicationRoleGrants = Migration(
        version: 2,
        name: "0002_application_role_grants.sql",
        statements: [
            """
            DO $$
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jitsudo_app') THEN
                    GRANT SELECT, INSERT, UPDATE ON requests, approvals, principals, revocations, audit_chain_head,
                        leadership, notifications TO jitsudo_app;
                    GRANT SELECT, INSERT, UPDATE, DELETE ON policies TO jitsudo_app;
                    GRANT SELECT, INSERT ON audit_events TO jitsudo_app;
                    REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM jitsudo_app;
                    GRANT SELECT ON schema_migrations TO jitsudo_app;
                    GRANT USAGE ON SEQUENCE notifications_id_seq TO jitsudo_app;
                END IF;
            END
            $$
            """
        ]
    )

    /// The durable ledger and fault switches of the `mock` provider (development and tests).
    static let mockProviderLedger = Migration(
        version: 3,
        name: "0003_mock_provider_ledger.sql",
        statements: [
            """
            CREATE TABLE mock_provider_ledger (
                request_id text NOT NULL,
                operation text NOT NULL CHECK (operation IN ('grant', 'revoke')),
                role text NOT NULL DEFAULT '',
                resource_scope text NOT NULL DEFAULT '',
                calls integer NOT NULL DEFAULT 1,
                first_call_at timestamptz NOT NULL DEFAULT now(),
                last_call_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (request_id, operation)
            )
            """,
            """
            CREATE TABLE mock_provider_faults (
                operation text PRIMARY KEY CHECK (operation IN ('grant', 'revoke')),
                percent integer NOT NULL CHECK (percent BETWEEN 0 AND 100),
                until timestamptz
            )
            """,
            """
            DO $$
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jitsudo_app') THEN
                    GRANT SELECT, INSERT, UPDATE, DELETE ON mock_provider_ledger, mock_provider_faults TO jitsudo_app;
                END IF;
            END
            $$
            """,
        ]
    )

    /// Wakes the leader's expiry timer when a grant's schedule changes (issued, extended, ended).
    static let grantSchedule = Migration(
        version: 4,
        name: "0004_grant_schedule_notify.sql",
        statements: [
            """
            CREATE FUNCTION requests_schedule_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state OR NEW.expires_at IS DISTINCT FROM OLD.expires_at THEN
                    PERFORM pg_notify('jitsudo_grants', NEW.id);
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER requests_schedule_changed AFTER INSERT OR UPDATE ON requests
                FOR EACH ROW EXECUTE FUNCTION requests_schedule_notify()
            """,
        ]
    )

    /// Every replica's role and liveness, so any replica can report all of them (`jitsudo server status`).
    static let replicaRegistry = Migration(
        version: 5,
        name: "0005_replicas.sql",
        statements: [
            """
            CREATE TABLE replicas (
                id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
                address text NOT NULL DEFAULT '',
                role text NOT NULL DEFAULT 'standby' CHECK (role IN ('leader', 'standby')),
                epoch bigint NOT NULL DEFAULT 0,
                started_at timestamptz NOT NULL DEFAULT now(),
                seen_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            DO $$
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jitsudo_app') THEN
                    GRANT SELECT, INSERT, UPDATE, DELETE ON replicas TO jitsudo_app;
                END IF;
            END
            $$
            """,
        ]
    )
}
