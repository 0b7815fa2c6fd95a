import Foundation
public import Logging
public import PostgresNIO

/// Parses a `postgres://user:password@host:port/database?sslmode=…` connection string into a
/// PostgresNIO configuration. `host=/path` in the query selects a Unix socket directory.
public struct DatabaseURL: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// `disable`, `prefer` (default), `require` or `verify-full`.
    public var sslMode: String
    public var socketDirectory: String?

    /// - Throws: ``StoreError`` `invalidArgument` naming what is wrong with the string (never echoing the password).
    public init(_ text: String) throws(StoreError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw StoreError(.invalidArgument, "database URL must look like postgres://user:password@host:5432/database")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        port = components.port ?? Int(query["port"] ?? "") ?? 5432
        guard let user = components.user ?? query["user"], !user.isEmpty else {
            throw StoreError(.invalidArgument, "database URL has no user name; write postgres://USER:PASSWORD@host:5432/database")
        }
        username = user.removingPercentEncoding ?? user
        password = (components.password ?? query["password"]).map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? username : path
        sslMode = query["sslmode"] ?? "prefer"
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslMode) else {
            throw StoreError(.invalidArgument, "database URL has unknown sslmode '\(sslMode)'; use disable, prefer, require or verify-full")
        }
        socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
    }

    /// The same URL for another database on the same server.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL text with the password replaced by `***`, for logs and errors.
    public var description: String { "postgres://\(username):***@\(host):\(port)/\(database)" }

    /// The text form, password included (for handing to `psql` or child processes only).
    public var urlString: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        var items = [URLQueryItem(name: "sslmode", value: sslMode)]
        if let socketDirectory { items.append(URLQueryItem(name: "host", value: socketDirectory)) }
        components.queryItems = items
        return components.string ?? description
    }

    /// A PostgresNIO client configuration for this URL.
    public func clientConfiguration(applicationName: String = "jitsudo") -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password, database: database
            )
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch sslMode {
            case "disable", "allow": tls = .disable
            case "require", "verify-ca", "verify-full":
                var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
                if sslMode == "require" { tlsConfiguration.certificateVerification = .none }
                tls = .require(tlsConfiguration)
            default:
                var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
                tlsConfiguration.certificateVerification = .none
                tls = .prefer(tlsConfiguration)
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}

extension DatabaseURL {
    /// Opens one connection, runs `SELECT 1` and closes it, failing fast (within `timeout`) with a clear
    /// ``StoreError`` `unavailable` instead of the pool's retry loop. Used at startup and by one-shot commands.
    public func checkReachable(timeout: Duration = .seconds(5), logger: Logger) async throws {
        let configuration: PostgresConnection.Configuration
        do { configuration = try connectionConfiguration(timeout: timeout) } catch {
            throw StoreError(.unavailable, "cannot connect to \(self): \(error)")
        }
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            defer { Task { try? await connection.close() } }
            try await connection.query("SELECT 1", logger: logger)
        } catch let error as PSQLError {
            let detail = error.serverInfo?[.message] ?? error.underlying.map { "\($0)" } ?? "\(error.code)"
            throw StoreError(.unavailable, "cannot connect to \(self): \(detail)")
        } catch {
            throw StoreError(.unavailable, "cannot connect to \(self): \(error)")
        }
    }
}

extension DatabaseURL {
    /// A single-connection configuration (for LISTEN and the leader lock), TLS as `sslmode` says.
    public func connectionConfiguration(timeout: Duration = .seconds(5)) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = .init(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            var tls = PostgresConnection.Configuration.TLS.disable
            if sslMode != "disable" && sslMode != "allow" {
                var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
                if sslMode != "verify-full" && sslMode != "verify-ca" { tlsConfiguration.certificateVerification = .none }
                let context = try NIOSSLContext(configuration: tlsConfiguration)
                tls = sslMode == "prefer" ? .prefer(context) : .require(context)
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .init(timeout)
        return configuration
    }
}
