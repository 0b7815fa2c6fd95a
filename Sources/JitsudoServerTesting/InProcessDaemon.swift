public import Foundation
public import JitsudoCore
import JitsudoAPI
public import JitsudoServer
import JitsudoTesting
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Test double for authentication: `Bearer <email>;<group>,<group>`. Token verification itself is tested against
/// real issuers in JitsudoAuthTests and end to end with the development issuer (CLI runbook tests).
public struct HeaderAuthenticator: CallerAuthenticator {
    public init() {}

    public func authenticate(authorization: String?) async throws -> Caller {
        guard let header = authorization, header.lowercased().hasPrefix("bearer "), header.count > 7 else {
            throw APIError.unauthenticated("missing bearer token")
        }
        let parts = header.dropFirst(7).split(separator: ";", omittingEmptySubsequences: false)
        let email = String(parts[0])
        let groups = parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : []
        return Caller(email: email, subject: email, groups: groups, isAdmin: groups.contains("jitsudo-admins"))
    }
}

/// Runs the real `jitsudod` code in this process: real HTTP on a free loopback port, real PostgreSQL.
public enum InProcessDaemon {
    /// A configuration for tests against `databaseURL`: mock provider on, a fixed credentials key, small pool.
    public static func configuration(databaseURL: String) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.database.url = databaseURL
        configuration.oidc.issuer = "https://issuer.invalid"
        configuration.providers.mock.enabled = true
        configuration.credentialsKey = Data(repeating: 7, count: 32).base64EncodedString()
        configuration.sweeper.intervalSeconds = 1
        // Many servers run in parallel against one test cluster: keep each pool small.
        configuration.database.maxConnections = 5
        // Tests call from one address as fast as they can; a test of the limits sets them.
        configuration.limits = .ratesOff
        return configuration
    }

    /// Starts the daemon, hands `body` its base URL (`http://127.0.0.1:<port>`) and the daemon, then stops it the
    /// way SIGTERM does (graceful shutdown of every service) and waits for that. `clock` and `now` are the daemon's
    /// time (a ``ManualClock`` and its `date` let the test move time). `routes` adds routes outside `/api/v1alpha1`.
    ///
    /// - Throws: what `body` throws; ``TestSupportError`` when the server does not listen within 30 s or does not
    ///   finish shutting down within 30 s (a stall fails the test by name instead of hanging the run).
    public static func run<Result: Sendable>(
        _ configuration: ServerConfiguration,
        authenticator: any CallerAuthenticator = HeaderAuthenticator(),
        label: String = "jitsudod.test",
        clock: AnyClock = .continuous,
        now: @escaping @Sendable () -> Date = { Date() },
        routes: JitsudoApplication.RouteExtension? = nil,
        _ body: @Sendable (_ baseURL: String, _ daemon: Daemon) async throws -> Result
    ) async throws -> Result {
        try await run(configuration, authenticator: authenticator, label: label, clock: clock, now: now, routes: routes) { baseURL, daemon, _ in
            try await body(baseURL, daemon)
        }
    }

    /// The running daemon's stop switch: what SIGTERM does, for a test of the shutdown itself.
    public struct Shutdown: Sendable {
        let group: ServiceGroup
        let state: RunState

        /// Begins the graceful shutdown (draining first, see ``ShutdownDrain``), as SIGTERM does. What the leak capture
        /// reads from the database is collected first, while the daemon's pool still runs.
        public func trigger() async {
            await state.collectOnce()
            await group.triggerGracefulShutdown()
        }

        /// True once every service, the HTTP server among them, has stopped.
        public var hasFinished: Bool { state.finished.withLock { $0 } }
    }

    /// What the end of a run needs to know: whether the service group returned, and the leak capture's collection
    /// (once, before the shutdown, whoever triggers it).
    final class RunState: Sendable {
        let finished = Mutex(false)
        private let collected = Mutex(false)
        private let collect: @Sendable () async -> Void

        init(collect: @escaping @Sendable () async -> Void) { self.collect = collect }

        func collectOnce() async {
            guard
                collected.withLock({ done in
                    defer { done = true }
                    return !done
                })
            else { return }
            await collect()
        }
    }

    /// ``run(_:authenticator:label:clock:now:_:)`` whose `body` also gets the daemon's ``Shutdown``.
    public static func run<Result: Sendable>(
        _ configuration: ServerConfiguration,
        authenticator: any CallerAuthenticator = HeaderAuthenticator(),
        label: String = "jitsudod.test",
        clock: AnyClock = .continuous,
        now: @escaping @Sendable () -> Date = { Date() },
        routes: JitsudoApplication.RouteExtension? = nil,
        _ body: @Sendable (_ baseURL: String, _ daemon: Daemon, _ shutdown: Shutdown) async throws -> Result
    ) async throws -> Result {
        _ = TestMetrics.registry  // before the daemon makes its first metric
        var logger = LeakCapture.isOn ? LeakCapture.logger(label: label) : Logger(label: label)
        if !LeakCapture.isOn { logger.logLevel = .warning }
        let daemon = try await Daemon(configuration: configuration, logger: logger, clock: clock, now: now)
        let port = Mutex<Int?>(nil)
        let app = daemon.application(
            authenticator: authenticator, host: "127.0.0.1", port: 0, metricsText: { TestMetrics.rendered() }, extraRoutes: routes,
            onServerRunning: { channel in
                port.withLock { $0 = channel.localAddress?.port }
            })
        let group = daemon.serviceGroup(running: app)
        let state = RunState {
            guard LeakCapture.isOn, let bound = port.withLock({ $0 }) else { return }
            await LeakCapture.collect(from: daemon, metrics: await metrics(port: bound, tls: !configuration.tls.certFile.isEmpty))
        }
        let running = Task {
            defer { state.finished.withLock { $0 = true } }
            try await group.run()
        }
        defer { running.cancel() }
        let result: Swift.Result<Result, any Error>
        do {
            var bound: Int?
            for _ in 0..<600 {
                bound = port.withLock { $0 }
                if bound != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            guard let bound else { throw TestSupportError("the in-process jitsudod did not start listening within 30 s") }
            result = .success(try await body("http://127.0.0.1:\(bound)", daemon, Shutdown(group: group, state: state)))
        } catch {
            result = .failure(error)
        }
        await state.collectOnce()
        await group.triggerGracefulShutdown()
        for _ in 0..<300 where !state.finished.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(100)) }
        let value = try result.get()
        guard state.finished.withLock({ $0 }) else {
            throw TestSupportError("the in-process jitsudod did not finish its graceful shutdown within 30 s")
        }
        return value
    }

    /// The daemon's `/metrics` text (nil when it does not answer 200), for ``LeakCapture``.
    private static func metrics(port: Int, tls: Bool) async -> String? {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        tlsConfiguration.certificateVerification = .none  // loopback, this process's own daemon
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tlsConfiguration))
        var text: String?
        do {
            let response = try await client.execute(
                HTTPClientRequest(url: "\(tls ? "https" : "http")://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 16 << 20)
            if response.status == .ok { text = String(buffer: body) }
        } catch {
            text = nil
        }
        try? await client.shutdown()
        return text
    }
}
