import Foundation
import OperatorCore
import Testing

@Suite struct UpgradeJobTests {
    static func resolved(_ upgrade: ClusterSpec.Upgrade?, image: String = "ghcr.io/jitsudo/jitsudod:0.2.0") throws -> ResolvedClusterSpec {
        var spec = Fixtures.clusterSpec()
        spec.image = image
        spec.upgrade = upgrade
        return try spec.resolved(namespace: Fixtures.namespace)
    }

    @Test func namesAreStablePerUpgradeAndDistinctAcrossUpgrades() {
        let a = UpgradeJob.names(from: "jitsudod:1", to: "jitsudod:2")
        #expect(a == UpgradeJob.names(from: "jitsudod:1", to: "jitsudod:2"))
        #expect(a.backup != a.migration)
        #expect(a.migration != UpgradeJob.names(from: "jitsudod:2", to: "jitsudod:3").migration)
        #expect(a.migration != UpgradeJob.names(from: "jitsudod:2", to: "jitsudod:1").migration)
        let long = UpgradeJob.names(from: String(repeating: "r", count: 300), to: String(repeating: "s", count: 300))
        #expect(long.backup.count <= 63 && long.migration.count <= 63)
    }

    @Test func withoutSpecUpgradeTheMigrationUsesJitsudodsSecretAndNoBackupIsTaken() throws {
        let spec = try Self.resolved(nil)
        #expect(spec.upgrade.backup == nil)
        #expect(UpgradeJob.backup(from: "old", to: spec.image, settings: spec.upgrade) == nil)
        let migration = UpgradeJob.migration(from: "old", spec: spec)
        #expect(migration.environment == [.secretKey(name: "DATABASE_URL", secretName: "jitsudo-database", key: "url")])
        #expect(migration.image == spec.image && migration.imagePullPolicy == "IfNotPresent" && migration.arguments == ["migrate"])
        #expect(migration.labels["app"] == nil && migration.labels[UpgradeJob.stepLabel] == "migration")
    }

    @Test func theBackupJobDumpsWithTheConfiguredClaimImageAndSecret() throws {
        let spec = try Self.resolved(
            .init(databaseSecretRef: .init(name: "owner", key: "dsn"), backup: .init(persistentVolumeClaimName: "backups", image: "pg:16")))
        let backup = try #require(UpgradeJob.backup(from: "old", to: spec.image, settings: spec.upgrade))
        #expect(backup.image == "pg:16" && backup.backupClaimName == "backups")
        #expect(backup.environment.contains(.secretKey(name: "DATABASE_URL", secretName: "owner", key: "dsn")))
        let file = try #require(backup.backupFile)
        #expect(file.hasPrefix("pre-upgrade-") && file.hasSuffix(".sql.gz"))
        #expect(backup.environment.contains(.value(name: "BACKUP_FILE", value: file)))
        let script = try #require(backup.command?.last)
        #expect(script.hasPrefix("set -euo pipefail") && script.contains("gzip -t"))
    }

    @Test func anEmptyBackupClaimOrSecretIsAnInvalidSpec() {
        #expect(throws: OperatorCoreError(.invalidSpec, "")) {
            try Self.resolved(.init(backup: .init(persistentVolumeClaimName: "")))
        }
        #expect(throws: OperatorCoreError(.invalidSpec, "")) {
            try Self.resolved(.init(databaseSecretRef: .init(name: "")))
        }
    }
}
