import Foundation
import OperatorCore
import Testing

/// The restore Job as OperatorCore describes it: a deterministic name, the labels, the script by source, no password
/// in the spec, and the restore work read back from the Job's status.
struct RestoreJobTests {
    static let createdAt = Date(timeIntervalSince1970: 1_774_087_200)

    static func plan(_ source: RestoreSpec.Source, timeout: String? = nil) throws -> RestorePlan {
        try RestoreSpec(
            source: source, database: .init(adminSecretRef: .init(name: "pg-admin"), restoreName: "jitsudo_restore"),
            options: .init(timeout: timeout)
        ).resolved(createdAt: createdAt)
    }

    static let pgDump = RestoreSpec.Source(pgDump: .init(sourceSecretRef: .init(name: "pg-source", key: "dsn")))

    static func file(format: String? = nil, image: String? = nil) -> RestoreSpec.Source {
        RestoreSpec.Source(file: .init(persistentVolumeClaimName: "backups", path: "daily/b.sql.gz", format: format, image: image))
    }

    static func value(_ job: RestoreJob, _ name: String) -> String? {
        for variable in job.environment {
            if case .value(let variableName, let value) = variable, variableName == name { return value }
        }
        return nil
    }

    @Test func theNameIsTheRestoresAndStaysWithinSixtyThreeCharacters() {
        #expect(RestoreJob.name(forRestore: "restore-1") == "jitsudo-restore-restore-1")
        let long = String(repeating: "a", count: 100)
        let other = String(repeating: "a", count: 99) + "b"
        let name = RestoreJob.name(forRestore: long)
        #expect(name.count <= 63)
        #expect(name == RestoreJob.name(forRestore: long), "deterministic: a restarted operator finds the same Job")
        #expect(name != RestoreJob.name(forRestore: other), "names sharing a long prefix still get different Jobs")
        #expect(name.hasPrefix("jitsudo-restore-aaa"))
        // 47 characters: the longest restore name whose Job name is not shortened.
        let edge = String(repeating: "b", count: 47)
        #expect(RestoreJob.name(forRestore: edge) == "jitsudo-restore-\(edge)")
        #expect(RestoreJob.name(forRestore: edge + "b").count == 63)
    }

    @Test func thePgDumpJobPipesPgDumpIntoPsqlWithBothURLsFromSecrets() throws {
        let job = RestoreJob(restoreName: "restore-1", plan: try Self.plan(Self.pgDump, timeout: "90m"))
        #expect(job.image == "postgres:15")
        #expect(job.labels == ["app.kubernetes.io/managed-by": "jitsudo-operator", "jitsudo.dev/restore": "restore-1"])
        #expect(job.labels["app"] == nil)
        #expect(job.activeDeadlineSeconds == 5400)
        #expect(job.backupClaimName == nil)
        #expect(job.environment.contains(.secretKey(name: "ADMIN_URL", secretName: "pg-admin", key: "url")))
        #expect(job.environment.contains(.secretKey(name: "SOURCE_URL", secretName: "pg-source", key: "dsn")))
        #expect(Self.value(job, "RESTORE_DATABASE") == "jitsudo_restore")
        #expect(job.command.prefix(2) == ["/bin/bash", "-c"])
        let script = try #require(job.command.last)
        #expect(script.hasPrefix("set -euo pipefail\n"), "a failed pg_dump must fail the pipeline and the Job")
        #expect(script.contains("ADMIN_URL=${ADMIN_URL//[[:space:]]/}\nSOURCE_URL=${SOURCE_URL//[[:space:]]/}\n"), "Secret values are trimmed")
        #expect(script.contains("pg_dump --no-owner --no-privileges -d \"$SOURCE_URL\""))
        #expect(script.contains("psql -X -q -v ON_ERROR_STOP=1 -d \"$ADMIN_URL\""))
        #expect(script.contains("printf '\\\\connect %s\\n' \"$RESTORE_DATABASE\""), "the restore database is chosen by \\connect")
        // No literal URL anywhere in the Job: every value is a name, a database name or a path.
        for case .value(_, let value) in job.environment { #expect(!value.contains("://"), "\(value)") }
    }

    @Test(arguments: [
        ("Gzip", "gunzip -c \"$BACKUP_FILE\""), ("Plain", "cat \"$BACKUP_FILE\""),
        ("Custom", "pg_restore --no-owner --no-privileges -f - \"$BACKUP_FILE\""),
    ])
    func aFileJobReadsTheBackupFromTheClaimByFormat(format: String, reader: String) throws {
        let job = RestoreJob(restoreName: "restore-1", plan: try Self.plan(Self.file(format: format)))
        #expect(job.backupClaimName == "backups")
        #expect(Self.value(job, "BACKUP_FILE") == "/backup/daily/b.sql.gz")
        #expect(!job.environment.contains { $0.name == "SOURCE_URL" })
        let script = try #require(job.command.last)
        #expect(script.contains(reader))
        #expect(script.contains("not found on volume"), "a missing file fails with a message naming it")
        #expect(job.activeDeadlineSeconds == 3600, "the default timeout of 1h")
    }

    @Test func aFileSourceMayNameItsImage() throws {
        #expect(RestoreJob(restoreName: "r", plan: try Self.plan(Self.file())).image == "postgres:15")
        #expect(RestoreJob(restoreName: "r", plan: try Self.plan(Self.file(image: "registry.local/pg:15.6"))).image == "registry.local/pg:15.6")
    }

    @Test func theWorkIsReadFromTheJobsStatus() {
        typealias Observed = RestoreJob.Observed
        #expect(RestoreJob.work(nil) == .notStarted)
        #expect(RestoreJob.work(Observed()) == .running, "created, no pod yet")
        #expect(RestoreJob.work(Observed(active: 1)) == .running)
        #expect(RestoreJob.work(Observed(succeeded: 1, conditions: [.init(type: "Complete", status: "True")])) == .succeeded)
        #expect(RestoreJob.work(Observed(conditions: [.init(type: "Complete", status: "False")])) == .running)
        #expect(
            RestoreJob.work(Observed(failed: 1, podFailure: "pod p: exit code 1 (Error): gzip: stdin: not in gzip format"))
                == .failed("pod p: exit code 1 (Error): gzip: stdin: not in gzip format"))
        #expect(
            RestoreJob.work(
                Observed(conditions: [.init(type: "Failed", status: "True", reason: "DeadlineExceeded", message: "Job was active longer")]))
                == .failed("DeadlineExceeded: Job was active longer"))
        #expect(RestoreJob.work(Observed(failed: 1)) == .failed("the Job's pod failed"))
    }

    @Test func aFailedJobFailsTheRestoreWithThePodsMessageBeforeTheSwap() throws {
        var status = RestoreStateMachine.Status(phase: .restoring)
        status.previousReplicas = 2
        status.restoringSince = Fixtures.now
        let work = RestoreJob.work(RestoreJob.Observed(failed: 1, podFailure: "pod p: exit code 1 (Error): gzip: stdin: not in gzip format"))
        let observation = RestoreStateMachine.Observation(
            name: "restore-1", createdAt: Self.createdAt,
            spec: RestoreSpec(source: Self.file(), database: .init(adminSecretRef: .init(name: "pg-admin"))),
            status: status, clusterReplicas: 2, deploymentReplicas: 0, podCount: 0, restoreWork: work)
        let decision = RestoreStateMachine.decide(observation, now: Fixtures.now)
        #expect(decision.status.phase == .failed)
        #expect(decision.status.failedPhase == .restoring)
        #expect(decision.status.message?.contains("not in gzip format") == true)
        #expect(decision.step == nil)
    }
}
