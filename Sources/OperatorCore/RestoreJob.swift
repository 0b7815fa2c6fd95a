import Crypto
import Foundation

/// The `batch/v1` Job that does a restore's work in phase Restoring: its pod loads the backup into the (freshly
/// created) restore database with `psql -v ON_ERROR_STOP=1`. Pure: the executor renders it and reads it back.
///
/// - The name is derived from the restore's name only, so every reconcile (and a restarted operator) finds the same
///   Job and never creates a second one.
/// - No password is in the Job: the admin and source URLs come from the restore's Secrets (`secretKeyRef`), and the
///   restore database is reached by `\connect <restore database>` sent to psql ahead of the SQL, which keeps the admin
///   URL's host, port, user, password and TLS settings (psql ≥ 14 reuses all of them).
/// - The script runs under `set -euo pipefail`: a failing `pg_dump`, `gunzip` or `pg_restore` fails the pipeline, so
///   the pod and, with `backoffLimit: 0`, the Job fail; a half-loaded database is never taken for a restore.
public struct RestoreJob: Sendable, Equatable {
    /// `jitsudo.dev/restore`: the name of the JitsudoRestore the Job works for.
    public static let restoreLabel = "jitsudo.dev/restore"
    /// Where a `file` source's PersistentVolumeClaim is mounted (read-only) in the Job's pod.
    public static let backupMountPath = "/backup"
    /// The name of the Job's single container.
    public static let containerName = "restore"

    /// An environment variable of the container: a literal value or a key of a Secret.
    public enum Variable: Sendable, Equatable {
        case value(name: String, value: String)
        case secretKey(name: String, secretName: String, key: String)

        public var name: String {
            switch self {
            case .value(let name, _), .secretKey(let name, _, _): name
            }
        }
    }

    public var name: String
    /// The Job's and its pod's labels (never `app=jitsudod`: the restore waits for those pods to be gone).
    public var labels: [String: String]
    public var image: String
    /// `["/bin/bash", "-c", script]`.
    public var command: [String]
    public var environment: [Variable]
    /// The PersistentVolumeClaim mounted read-only at ``backupMountPath`` (file sources only).
    public var backupClaimName: String?
    /// The restore's timeout, as the Job's `activeDeadlineSeconds`.
    public var activeDeadlineSeconds: Int

    /// The Job of restore `restoreName` carrying out `plan`.
    public init(restoreName: String, plan: RestorePlan) {
        name = Self.name(forRestore: restoreName)
        labels = ["app.kubernetes.io/managed-by": "jitsudo-operator", Self.restoreLabel: Self.labelValue(restoreName)]
        image = plan.source.image
        activeDeadlineSeconds = max(1, Int(plan.timeout.rounded(.up)))
        var environment: [Variable] = [
            .secretKey(name: "ADMIN_URL", secretName: plan.adminSecretName, key: plan.adminSecretKey),
            .value(name: "RESTORE_DATABASE", value: plan.restoreDatabase),
            .value(name: "PGCONNECT_TIMEOUT", value: "10"),
        ]
        let producer: String
        switch plan.source {
        case .pgDump(_, let secretName, let key):
            environment.append(.secretKey(name: "SOURCE_URL", secretName: secretName, key: key))
            producer = "pg_dump --no-owner --no-privileges -d \"$SOURCE_URL\""
            backupClaimName = nil
        case .file(let claim, let path, let format, _):
            environment.append(.value(name: "BACKUP_FILE", value: "\(Self.backupMountPath)/\(path)"))
            environment.append(.value(name: "BACKUP_CLAIM", value: claim))
            backupClaimName = claim
            let read: String
            switch format {
            case "Plain": read = "cat \"$BACKUP_FILE\""
            case "Custom": read = "pg_restore --no-owner --no-privileges -f - \"$BACKUP_FILE\""
            default: read = "gunzip -c \"$BACKUP_FILE\""
            }
            producer = """
                if [ ! -r "$BACKUP_FILE" ]; then echo "backup file $BACKUP_FILE not found on volume $BACKUP_CLAIM" >&2; exit 2; fi
                \(read)
                """
        }
        self.environment = environment
        let urls = environment.compactMap { variable -> String? in
            guard case .secretKey(let name, _, _) = variable else { return nil }
            return name
        }
        command = ["/bin/bash", "-c", Self.script(trimming: urls, producer: producer)]
    }

    /// The restore database is selected by a `\connect` line ahead of the SQL (no URL with a password is built). The
    /// URLs from Secrets lose their whitespace first (a Secret made from a file often ends in a newline, which the
    /// operator trims for its own connections too; a URL holds no raw whitespace).
    static func script(trimming urls: [String], producer: String) -> String {
        let trim = urls.map { "\($0)=${\($0)//[[:space:]]/}" }.joined(separator: "\n")
        return """
            set -euo pipefail
            \(trim)
            {
            printf '\\\\connect %s\\n' "$RESTORE_DATABASE"
            {
            \(producer)
            } | awk '\(metaCommandFilter)'
            } | psql -X -q -v ON_ERROR_STOP=1 -d "$ADMIN_URL"
            echo "backup restored into database $RESTORE_DATABASE"
            """
    }

    /// An awk program between the backup and psql: the backup is SQL, but psql also obeys meta-commands in it — a
    /// `\connect` (a `pg_dump --create` file) would load another database, `\!` runs a shell in the Job's pod (which holds
    /// the admin URL), `\o`/`\w`/`\i` touch files. Outside COPY data (where psql reads lines as data until `\.`), a
    /// line starting with a backslash stops the restore with its line number, except pg_dump's own `\restrict` and
    /// `\unrestrict` (which put psql in a mode that refuses every other meta-command). Exit 3, so the Job fails.
    static let metaCommandFilter = #"""
        copy { print; if ($0 == "\\.") copy = 0; next }
        /^\\/ {
            if ($1 == "\\restrict" || $1 == "\\unrestrict") { print; next }
            printf "backup line %d is the psql meta-command %s; only plain pg_dump output of one database is restored (no \\connect from pg_dump --create, no shell or file commands)\n", NR, $1 > "/dev/stderr"
            exit 3
        }
        /^COPY .* FROM stdin;$/ { copy = 1 }
        { print }
        """#

    /// `jitsudo-restore-<restore>`, or when that exceeds 63 characters (a Job's name is a pod label value), shortened
    /// as ``shortened(_:digestOf:)`` does: deterministic and distinct.
    public static func name(forRestore restore: String) -> String { shortened("jitsudo-restore-\(restore)", digestOf: restore) }

    /// The restore's name as a label value (at most 63 characters; longer names are shortened like the Job's).
    static func labelValue(_ restore: String) -> String { shortened(restore, digestOf: restore) }

    /// `text` itself when it has at most 63 characters; else its first 54 (without a trailing `-` or `.`), `-`, and
    /// 8 hex digits of the SHA-256 of `source`.
    private static func shortened(_ text: String, digestOf source: String) -> String {
        guard text.count > 63 else { return text }
        var stem = String(text.prefix(54))
        while stem.hasSuffix("-") || stem.hasSuffix(".") { stem.removeLast() }
        return "\(stem)-\(Hex.text(SHA256.hash(data: Data(source.utf8)).prefix(4)))"
    }
}

extension RestoreJob {
    /// What the executor read of the Job and its pod.
    public struct Observed: Sendable, Equatable {
        /// A condition of the Job's status (`Complete`, `Failed`).
        public struct Condition: Sendable, Equatable {
            public var type: String
            public var status: String
            public var reason: String?
            public var message: String?
            public init(type: String, status: String, reason: String? = nil, message: String? = nil) {
                self.type = type
                self.status = status
                self.reason = reason
                self.message = message
            }
        }

        public var active: Int
        public var succeeded: Int
        public var failed: Int
        public var conditions: [Condition]
        /// How the Job's failed pod ended: its container's terminated state (exit code, reason, message), else the
        /// pod's status message.
        public var podFailure: String?

        public init(active: Int = 0, succeeded: Int = 0, failed: Int = 0, conditions: [Condition] = [], podFailure: String? = nil) {
            self.active = active
            self.succeeded = succeeded
            self.failed = failed
            self.conditions = conditions
            self.podFailure = podFailure
        }
    }

    /// The restore work as the Job's status tells it: no Job → not started; `Complete` → succeeded; `Failed`, or a
    /// failed pod (`backoffLimit` is 0, so one failed pod fails the Job) → failed with the pod's message, else the
    /// condition's reason and message; anything else → running.
    public static func work(_ job: Observed?) -> RestoreStateMachine.RestoreWork {
        guard let job else { return .notStarted }
        let isTrue = { (type: String) in job.conditions.first { $0.type == type && $0.status == "True" } }
        if isTrue("Complete") != nil || (job.succeeded > 0 && job.failed == 0) { return .succeeded }
        let failed = isTrue("Failed")
        guard failed != nil || job.failed > 0 else { return .running }
        if let pod = job.podFailure, !pod.isEmpty { return .failed(pod) }
        if let failed {
            return .failed([failed.reason, failed.message].compactMap { $0 }.joined(separator: ": "))
        }
        return .failed("the Job's pod failed")
    }
}
