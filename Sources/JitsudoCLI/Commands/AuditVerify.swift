import ArgumentParser
import NIOHTTP1
import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoStore
import Logging
import PostgresNIO

/// `jitsudo audit verify`: checks the audit hash chain through the server or straight in PostgreSQL.
struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the audit log's hash chain (via the server, or directly in PostgreSQL).",
        discussion: """
            Prints 'Chain intact: N events verified' (exit 0) or 'Chain broken at event <id>: <problem>' \
            (exit 3). With --database-url, or DATABASE_URL in the environment, the events are read straight \
            from PostgreSQL (no server or login needed; use this after a restore with jitsudod stopped), \
            streamed in constant memory with progress on stderr. Otherwise the server checks the chain.

            Examples:
              jitsudo audit verify
              DATABASE_URL=postgres://jitsudo_app:secret@localhost:5432/jitsudo_restore jitsudo audit verify
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp("PostgreSQL URL to read audit_events from directly (else DATABASE_URL).", valueName: "url"))
    var databaseURL: String?

    @Option(
        name: .customLong("progress-every"),
        help: ArgumentHelp("With a database URL: print '… N events verified' on stderr every N events (0: never).", valueName: "events"))
    var progressEvery = 100_000

    func validate() throws {
        guard progressEvery >= 0 else { throw ValidationError("--progress-every must be 0 or more") }
        try global.requireNoCSV()
        if let text = databaseURL ?? Self.environmentURL {
            do { _ = try DatabaseURL(text) } catch { throw ValidationError("database URL: \(error.message)") }
        }
    }

    static var environmentURL: String? {
        ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func run() async throws {
        let row: VerificationRow
        if let text = databaseURL ?? Self.environmentURL {
            row = try await verifyInDatabase(try DatabaseURL(text))
        } else {
            row = try await verifyThroughServer()
        }
        switch global.output {
        case .json, .yaml, .csv: try Renderer.emit(row, format: global.output)
        case .table:
            Console.out(row.summary)
            if let line = VerificationResult.unsequencedLine(row.unsequencedEvents) { Console.out(line) }
        }
        if !row.intact { throw ExitCode(3) }
    }

    private func verifyThroughServer() async throws -> VerificationRow {
        let session = try Session(global)
        let server = try session.server()
        Console.error("Verifying the audit chain through the server at \(server)")
        let result = try await session.withClient(server: server) { client in
            try await client.call(.POST, "/api/v1alpha1/audit:verify", as: WireVerification.self)
        }
        return VerificationRow(
            intact: result.intact, eventsVerified: Int64(result.eventsVerified) ?? 0, firstEventId: Int64(result.firstEventId) ?? 0,
            lastEventId: Int64(result.lastEventId) ?? 0, brokenAtEventId: Int64(result.brokenAtEventId), problem: result.problem,
            unsequencedEvents: result.unsequencedEvents.flatMap { Int64($0) } ?? 0
        )
    }

    private func verifyInDatabase(_ url: DatabaseURL) async throws -> VerificationRow {
        Console.error("Verifying the audit chain directly in PostgreSQL at \(url) (no server involved)")
        var logger = Logger(label: "jitsudo.cli")
        logger.logLevel = .critical
        do {
            try await url.checkReachable(logger: logger)
        } catch let error as StoreError {
            throw CLIError("\(error.message) — check the database URL and that PostgreSQL is running")
        }
        let showProgress = !global.quiet && progressEvery > 0
        let result: VerificationResult
        do {
            result = try await Database.withClient(url, applicationName: "jitsudo-cli-audit-verify", maximumConnections: 1, logger: logger) {
                try await AuditLog(database: $0).verify(progressEvery: progressEvery > 0 ? Int64(progressEvery) : Int64.max) { count in
                    if showProgress { Console.error("… \(count) events verified") }
                }
            }
        } catch let error as StoreError {
            throw CLIError("cannot read the audit log in \(url): \(error.message)")
        } catch let error as PSQLError {
            throw CLIError("cannot read the audit log in \(url): \(error.serverInfo?[.message] ?? "\(error.code)") — is this a jitsudo database?")
        }
        return VerificationRow(
            intact: result.intact, eventsVerified: result.eventsVerified, firstEventId: result.firstEventID,
            lastEventId: result.lastEventID, brokenAtEventId: result.brokenAtEventID, problem: result.problem,
            unsequencedEvents: result.unsequencedEvents
        )
    }
}
