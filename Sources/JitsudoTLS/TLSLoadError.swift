/// A certificate, key or CA bundle that cannot be used.
///
/// ``description`` is exactly `TLS: failed to load certificate: <detail>`, the line `jitsudod` prints before
/// exiting (CLI spec §6.1). Equality compares the ``code`` only.
public struct TLSLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case unreadableFile, invalidCertificate, invalidKey, keyMismatch, expired, notYetValid, invalidClientCA
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A file is missing or unreadable.
        public static let unreadableFile = Code(.unreadableFile)
        /// The certificate file holds no parsable PEM certificate.
        public static let invalidCertificate = Code(.invalidCertificate)
        /// The key file holds no parsable RSA or EC private key.
        public static let invalidKey = Code(.invalidKey)
        /// The private key does not belong to the leaf certificate.
        public static let keyMismatch = Code(.keyMismatch)
        /// The leaf certificate's notAfter has passed.
        public static let expired = Code(.expired)
        /// The leaf certificate's notBefore lies in the future.
        public static let notYetValid = Code(.notYetValid)
        /// The client-CA bundle holds no parsable certificate.
        public static let invalidClientCA = Code(.invalidClientCA)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// What went wrong and which file, without key material.
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "TLS: failed to load certificate: \(detail)" }

    public static func == (lhs: TLSLoadError, rhs: TLSLoadError) -> Bool { lhs.code == rhs.code }
}
