import Crypto
import Foundation

/// A `batch/v1` Job of an upgrade (a change of `JitsudoCluster.spec.image`), run before the Deployment's image changes:
/// the backup (`pg_dump | gzip` onto the backup claim, as the chart's backup CronJob does) or the migration
/// (`jitsudod migrate` with the NEW image). Pure: the executor renders it and reads its state back.
///
/// - The names carry a digest of the image the Deployment runs and the image asked for, so every reconcile (and a
///   restarted operator) finds the same Jobs for one upgrade and never runs its backup or migration twice.
/// - No password is in the Job: the database URL comes from a Secret (`secretKeyRef`).
/// - `backoffLimit: 0`: a failing `pg_dump`, `gzip` or migration fails the Job; the upgrade stops there.
public struct UpgradeJob: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case backup, migration }

    /// `jitsudo.dev/upgrade`: the digest of the upgrade (old and new image) the Job belongs to.
    public static let upgradeLabel = "jitsudo.dev/upgrade"
    /// `jitsudo.dev/upgrade-step`: `backup` or `migration`.
    public static let stepLabel = "jitsudo.dev/upgrade-step"
    /// Where the backup claim is mounted in the backup Job's pod.
    public static let backupMountPath = "/backups"
    /// How long the migration may run (`activeDeadlineSeconds`).
    public static let migrationDeadlineSeconds = 600
    /// How long the backup may run (the chart's backup CronJob's default).
    public static let backupDeadlineSeconds = 3600

    public var kind: Kind
    public var name: String
    /// The Job's and its pod's labels (never `app=jitsudod`: those pods are the Deployment's).
    public var labels: [String: String]
    public var image: String
    public var imagePullPolicy: String
    /// The container's command (backup: `/bin/bash -c script`); nil: the image's entrypoint (jitsudod).
    public var command: [String]?
    /// The container's arguments (migration: `["migrate"]`).
    public var arguments: [String]
    public var environment: [RestoreJob.Variable]
    /// The PersistentVolumeClaim mounted read-write at ``backupMountPath`` (backup only).
    public var backupClaimName: String?
    /// The file the backup writes on the claim (backup only).
    public var backupFile: String?
    /// The container port the migration pod declares (the jitsudod image's), unused by `jitsudod migrate`.
    public var containerPort: Int?
    public var activeDeadlineSeconds: Int

    /// The backup Job of the upgrade from `currentImage` to `targetImage`; nil when `settings` take no backup.
    public static func backup(from currentImage: String, to targetImage: String, settings: UpgradeSettings) -> UpgradeJob? {
        guard let backup = settings.backup else { return nil }
        let digest = digest(from: currentImage, to: targetImage)
        let file = "pre-upgrade-\(digest).sql.gz"
        return UpgradeJob(
            kind: .backup, name: name(.backup, digest: digest), labels: labels(.backup, digest: digest), image: backup.image,
            imagePullPolicy: "IfNotPresent", command: ["/bin/bash", "-c", backupScript], arguments: [],
            environment: [
                .secretKey(name: "DATABASE_URL", secretName: settings.databaseSecretName, key: settings.databaseSecretKey),
                .value(name: "BACKUP_DIR", value: backupMountPath), .value(name: "BACKUP_FILE", value: file),
                .value(name: "PGCONNECT_TIMEOUT", value: "10"),
            ],
            backupClaimName: backup.claimName, backupFile: file, containerPort: nil, activeDeadlineSeconds: backupDeadlineSeconds)
    }

    /// The migration Job of the upgrade to `spec.image`: `jitsudod migrate` of the new image, once.
    public static func migration(from currentImage: String, spec: ResolvedClusterSpec) -> UpgradeJob {
        let digest = digest(from: currentImage, to: spec.image)
        let settings = spec.upgrade
        return UpgradeJob(
            kind: .migration, name: name(.migration, digest: digest), labels: labels(.migration, digest: digest), image: spec.image,
            imagePullPolicy: spec.imagePullPolicy, command: nil, arguments: ["migrate"],
            environment: [.secretKey(name: "DATABASE_URL", secretName: settings.databaseSecretName, key: settings.databaseSecretKey)],
            backupClaimName: nil, backupFile: nil, containerPort: spec.targetPort, activeDeadlineSeconds: migrationDeadlineSeconds)
    }

    /// The names of the backup and migration Jobs of the upgrade from `currentImage` to `targetImage`.
    public static func names(from currentImage: String, to targetImage: String) -> (backup: String, migration: String) {
        let digest = digest(from: currentImage, to: targetImage)
        return (name(.backup, digest: digest), name(.migration, digest: digest))
    }

    static func name(_ kind: Kind, digest: String) -> String { "jitsudo-upgrade-\(kind == .backup ? "backup" : "migrate")-\(digest)" }

    static func labels(_ kind: Kind, digest: String) -> [String: String] {
        ["app.kubernetes.io/managed-by": "jitsudo-operator", upgradeLabel: digest, stepLabel: kind.rawValue]
    }

    /// 12 hex digits of the SHA-256 of both images: distinct per upgrade, short enough for a Job name (a pod label).
    static func digest(from currentImage: String, to targetImage: String) -> String {
        Hex.text(SHA256.hash(data: Data("\(currentImage)\n\(targetImage)".utf8)).prefix(6))
    }

    /// ops/backup.sh's dump for one file: written under a temporary name, checked with `gzip -t`, then renamed, so a
    /// failed run leaves nothing that looks like a backup and fails the Job. The URL loses the whitespace a Secret made
    /// from a file often ends in.
    static let backupScript = """
        set -euo pipefail
        DATABASE_URL=${DATABASE_URL//[[:space:]]/}
        file=$BACKUP_DIR/$BACKUP_FILE
        partial=$BACKUP_DIR/.$BACKUP_FILE.partial
        trap 'rm -f "$partial"' EXIT
        pg_dump --no-owner --dbname="$DATABASE_URL" | gzip >"$partial"
        gzip -t "$partial"
        mv -f "$partial" "$file"
        echo "pre-upgrade backup: wrote $file ($(wc -c <"$file") bytes)"
        """
}
