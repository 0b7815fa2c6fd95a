/// The order of an upgrade (a change of `JitsudoCluster.spec.image`): a backup Job (when `spec.upgrade.backup` is set),
/// then `jitsudod migrate` of the new image in a Job, and only after both succeeded the Deployment's new image. Pure:
/// the Deployment reconciler feeds it the two Jobs' states and takes the action; it never touches the Deployment
/// before ``Action/roll(_:)``, so a failed backup or migration leaves the old replicas serving.
public enum UpgradePlanner {
    /// The states of the upgrade's two Jobs (by their names for this old → new image pair).
    public struct Work: Sendable, Equatable {
        public var backup: RestoreStateMachine.RestoreWork
        public var migration: RestoreStateMachine.RestoreWork
        public init(backup: RestoreStateMachine.RestoreWork = .notStarted, migration: RestoreStateMachine.RestoreWork = .notStarted) {
            self.backup = backup
            self.migration = migration
        }
    }

    public enum Action: Sendable, Equatable {
        /// Create this Job (the next one of the upgrade).
        case createJob(UpgradeJob, message: String)
        /// A Job is running: look again later.
        case wait(reason: String, message: String)
        /// A Job failed: the Deployment stays as it is; reported Degraded with this reason.
        case failed(reason: String, message: String)
        /// Backup (if any) and migration succeeded: the Deployment may take the new image.
        case roll(String)
    }

    /// The next action of the upgrade of the Deployment running `currentImage` to `spec.image`.
    public static func decide(currentImage: String, spec: ResolvedClusterSpec, work: Work) -> Action {
        let target = spec.image
        let held = "deployment/jitsudod stays on \(currentImage) with the old replicas serving"
        var backupNote = "no backup taken (spec.upgrade.backup is not set)"
        if let backup = UpgradeJob.backup(from: currentImage, to: target, settings: spec.upgrade) {
            let file = "\(backup.backupFile ?? "") on persistentvolumeclaim/\(backup.backupClaimName ?? "")"
            switch work.backup {
            case .notStarted:
                return .createJob(backup, message: "upgrade to \(target): backing up the database to \(file) (job/\(backup.name))")
            case .running:
                return .wait(reason: "UpgradeBackingUp", message: "upgrade to \(target): backing up the database to \(file) (job/\(backup.name))")
            case .failed(let why):
                return .failed(
                    reason: "UpgradeBackupFailed",
                    message: "upgrade to \(target) stopped: the backup job/\(backup.name) failed: \(why); \(held). Fix the cause, "
                        + "then delete job/\(backup.name) to try again, or set spec.image back to \(currentImage)")
            case .succeeded:
                backupNote = "backup in \(file)"
            }
        }
        let migration = UpgradeJob.migration(from: currentImage, spec: spec)
        switch work.migration {
        case .notStarted:
            return .createJob(migration, message: "upgrade to \(target): \(backupNote); migrating the database (job/\(migration.name))")
        case .running:
            return .wait(reason: "UpgradeMigrating", message: "upgrade to \(target): \(backupNote); migrating the database (job/\(migration.name))")
        case .failed(let why):
            return .failed(
                reason: "MigrationFailed",
                message: "upgrade to \(target) stopped: the migration job/\(migration.name) failed: \(why); \(held) (\(backupNote)). "
                    + "Fix the cause, then delete job/\(migration.name) to try again, or set spec.image back to \(currentImage)")
        case .succeeded:
            return .roll("upgrade to \(target): \(backupNote); database migrated (job/\(migration.name)); rolling deployment/jitsudod")
        }
    }
}
