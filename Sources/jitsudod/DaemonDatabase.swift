import ArgumentParser
import Foundation
import JitsudoStore
import Logging
import PostgresNIO

/// Opens the configured database for one piece of work and reports the runbook's startup errors.
enum DaemonDatabase {
    static func run<Result: Sendable>(_ url: DatabaseURL, logger: Logger, _ body: (Database) async throws -> Result) async throws -> Result {
        do {
            try await url.checkReachable(logger: logger)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("Error: database connection refused: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
        do {
            return try await Database.withClient(url, applicationName: "jitsudod", logger: logger, body)
        } catch let error as StoreError where error.code == .unavailable {
            FileHandle.standardError.write(Data("Error: database connection refused: \(error.message)\n".utf8))
            throw ExitCode.failure
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
    }
}
