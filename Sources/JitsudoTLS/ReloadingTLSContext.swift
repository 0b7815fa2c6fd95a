import Crypto
public import Foundation
public import Logging
public import NIOSSL
import Synchronization
public import X509

/// The server's TLS context, rebuilt when the certificate, key or client-CA files change on disk.
///
/// New connections take ``currentContext``; open ones keep theirs. A changed pair that does not parse, whose
/// key does not match, or that is expired is refused: it is logged and counted in ``refusedReloads``, and the
/// previous context keeps serving. ``run(clock:)`` polls the files.
public final class ReloadingTLSContext: Sendable {
    public struct Configuration: Sendable {
        public var certificatePath: String
        public var keyPath: String
        /// PEM bundle of CAs that sign client certificates (mTLS); nil: no client certificates are asked for.
        public var clientCAPath: String?
        /// Refuse handshakes without a client certificate signed by ``clientCAPath``.
        public var requireClientCertificate: Bool
        /// How often ``ReloadingTLSContext/run(clock:)`` checks the files. Default 1 s.
        public var pollInterval: Duration

        public init(
            certificatePath: String, keyPath: String, clientCAPath: String? = nil, requireClientCertificate: Bool = false,
            pollInterval: Duration = .seconds(1)
        ) {
            self.certificatePath = certificatePath
            self.keyPath = keyPath
            self.clientCAPath = clientCAPath
            self.requireClientCertificate = requireClientCertificate
            self.pollInterval = pollInterval
        }
    }

    /// What a reload check did.
    public enum ReloadOutcome: Sendable, Equatable {
        case unchanged
        case reloaded
        case refused(TLSLoadError)
    }

    private struct Loaded: Sendable {
        var context: NIOSSLContext
        var leaf: Certificate
        var fingerprint: Data
    }

    private struct State: Sendable {
        var loaded: Loaded
        var reloads = 0
        var refused = 0
        /// The fingerprint of the last refused content, so a bad pair is logged once, not every poll.
        var lastRefused: Data?
    }

    public let configuration: Configuration
    private let logger: Logger
    private let state: Mutex<State>

    /// Loads the files once; throws ``TLSLoadError`` so startup can stop with a clear message.
    public init(configuration: Configuration, logger: Logger, now: Date = Date()) throws {
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(State(loaded: try Self.load(configuration, now: now)))
    }

    /// The context for the next accepted connection.
    public var currentContext: NIOSSLContext { state.withLock { $0.loaded.context } }
    /// The leaf certificate now being served.
    public var currentCertificate: Certificate { state.withLock { $0.loaded.leaf } }
    /// When the certificate now being served expires (its notAfter).
    public var currentNotAfter: Date { state.withLock { $0.loaded.leaf.notValidAfter } }
    /// Successful reloads since start.
    public var successfulReloads: Int { state.withLock { $0.reloads } }
    /// Changed pairs refused since start.
    public var refusedReloads: Int { state.withLock { $0.refused } }

    /// Re-reads the files and swaps the context when their content changed and the new pair is valid.
    @discardableResult
    public func reloadIfChanged(now: Date = Date()) -> ReloadOutcome {
        let fingerprint: Data
        do {
            fingerprint = try Self.fingerprint(configuration)
        } catch let error as TLSLoadError {
            return refuse(error, fingerprint: nil)
        } catch {
            return refuse(TLSLoadError(.unreadableFile, "\(error)"), fingerprint: nil)
        }
        let (current, lastRefused) = state.withLock { ($0.loaded.fingerprint, $0.lastRefused) }
        guard fingerprint != current else { return .unchanged }
        do {
            let loaded = try Self.load(configuration, now: now)
            state.withLock { state in
                state.loaded = loaded
                state.reloads += 1
                state.lastRefused = nil
            }
            logger.info(
                "TLS certificate reloaded",
                metadata: ["tls.serial": "\(loaded.leaf.serialNumber)", "tls.not_after": "\(loaded.leaf.notValidAfter)"]
            )
            return .reloaded
        } catch let error as TLSLoadError {
            if lastRefused == fingerprint { return .refused(error) }
            return refuse(error, fingerprint: fingerprint)
        } catch {
            return refuse(TLSLoadError(.invalidCertificate, "\(error)"), fingerprint: fingerprint)
        }
    }

    /// Polls the files every ``Configuration/pollInterval`` until the task is cancelled.
    public func run(clock: some Clock<Duration> = ContinuousClock()) async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: configuration.pollInterval)
            } catch {
                return
            }
            reloadIfChanged()
        }
    }

    private func refuse(_ error: TLSLoadError, fingerprint: Data?) -> ReloadOutcome {
        state.withLock { state in
            state.refused += 1
            state.lastRefused = fingerprint
        }
        logger.error(
            "TLS reload refused; still serving the previous certificate",
            metadata: ["tls.reason": "\(error.code)", "tls.detail": "\(error.detail)"]
        )
        return .refused(error)
    }

    private static func fingerprint(_ configuration: Configuration) throws -> Data {
        var data = try CertificateKeyPair.readFile(configuration.certificatePath)
        data.append(try CertificateKeyPair.readFile(configuration.keyPath))
        if let ca = configuration.clientCAPath { data.append(try CertificateKeyPair.readFile(ca)) }
        return Data(SHA256.hash(data: data))
    }

    private static func load(_ configuration: Configuration, now: Date) throws -> Loaded {
        let fingerprint = try fingerprint(configuration)
        let pair = try CertificateKeyPair.load(certificatePath: configuration.certificatePath, keyPath: configuration.keyPath, now: now)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: pair.chain.map { .certificate($0) }, privateKey: .privateKey(pair.privateKey)
        )
        // TLS 1.2 and 1.3 only; for 1.2 only forward-secret AEAD suites (TLS 1.3 suites are all AEAD).
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuites = modernTLS12CipherSuites
        if let caPath = configuration.clientCAPath {
            tls.trustRoots = .certificates(try CertificateKeyPair.loadCertificates(path: caPath))
            tls.certificateVerification = configuration.requireClientCertificate ? .noHostnameVerification : .optionalVerification
        } else if configuration.requireClientCertificate {
            throw TLSLoadError(.invalidClientCA, "a client certificate is required but no client CA bundle is configured")
        }
        do {
            return Loaded(context: try NIOSSLContext(configuration: tls), leaf: pair.leaf, fingerprint: fingerprint)
        } catch {
            throw TLSLoadError(.invalidCertificate, "\(configuration.certificatePath): TLS context rejected the pair (\(error))")
        }
    }
}

/// The TLS 1.2 suites jitsudod accepts: ECDHE key exchange, AES-GCM or ChaCha20-Poly1305 (Mozilla "intermediate").
let modernTLS12CipherSuites = [
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
].joined(separator: ":")
