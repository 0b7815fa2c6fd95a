import AsyncHTTPClient
import Foundation
import NIOSSL
import Synchronization
import JitsudoAPI
import JitsudoAuth
public import Logging

/// Builds the authenticator the configuration asks for.
public enum Authentication {
    /// The OIDC authenticator for `settings` (issuer, client id, groups claim, leeway) and the administrators `admin`.
    /// It fetches nothing now: keys are discovered on first use, so an unreachable issuer never blocks startup.
    ///
    /// - Throws: ``Daemon/StartupError`` when `oidc.ca_file` cannot be read as PEM certificates.
    public static func make(_ settings: ServerConfiguration.OIDC, admin: ServerConfiguration.Admin, logger: Logger) throws
        -> any CallerAuthenticator
    {
        let oidc = OIDCConfiguration(
            issuer: settings.issuer, discoveryURL: settings.discoveryURL.isEmpty ? nil : settings.discoveryURL,
            clientID: settings.clientID, groupsClaim: settings.groupsClaim, leeway: TimeInterval(settings.leewaySeconds)
        )
        let client = settings.caFile.isEmpty ? HTTPClient.shared : try client(trusting: settings.caFile)
        return OIDCAuthenticator(
            verifier: OIDCVerifier(configuration: oidc, httpClient: client, logger: logger),
            adminGroups: Set(admin.groups), adminEmails: Set(admin.emails))
    }
}

extension Authentication {
    /// One HTTP client per CA file for the life of the process (never shut down, like `HTTPClient.shared`).
    private static let clients = Mutex<[String: HTTPClient]>([:])

    static func client(trusting caFile: String) throws -> HTTPClient {
        let roots: [NIOSSLCertificate]
        do {
            roots = try NIOSSLCertificate.fromPEMFile(caFile)
        } catch {
            throw Daemon.StartupError("configuration: oidc.ca_file \(caFile) is not a readable PEM certificate file: \(error)")
        }
        guard !roots.isEmpty else { throw Daemon.StartupError("configuration: oidc.ca_file \(caFile) holds no certificate") }
        return clients.withLock { clients in
            if let existing = clients[caFile] { return existing }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(roots)]
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
            clients[caFile] = client
            return client
        }
    }
}

/// Verifies OIDC ID tokens and maps them to callers; admins by group or e-mail.
struct OIDCAuthenticator: CallerAuthenticator {
    let verifier: OIDCVerifier
    let adminGroups: Set<String>
    let adminEmails: Set<String>

    func authenticate(authorization: String?) async throws -> Caller {
        do {
            let identity = try await verifier.verify(authorizationHeader: authorization, now: Date())
            let isAdmin = !adminGroups.isDisjoint(with: identity.groups) || adminEmails.contains(identity.email)
            return Caller(email: identity.email, subject: identity.subject, groups: identity.groups, isAdmin: isAdmin)
        } catch let error as AuthError {
            throw error.httpStatus == 503
                ? APIError.unavailable("identity provider unavailable: \(error.message); try again shortly")
                : APIError.unauthenticated(error.message)
        }
    }
}

/// Refuses every token (used only to list routes).
struct RefuseAll: CallerAuthenticator {
    func authenticate(authorization: String?) async throws -> Caller {
        throw APIError.unauthenticated("no identity provider is configured on this server")
    }
}
