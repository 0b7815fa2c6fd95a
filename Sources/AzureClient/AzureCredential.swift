import Foundation

/// How jitsudod proves its own identity to Entra (OAuth2 client credentials).
public enum AzureCredential: Sendable, Hashable {
    /// A client secret of the app registration.
    case secret(String)
    /// A certificate registered on the app registration: a client assertion signed with its private key.
    case certificate(ClientCertificate)
    /// Workload identity federation: the file holds a token of a trusted issuer (AKS projects the service account
    /// token at `AZURE_FEDERATED_TOKEN_FILE`); it is read again for every token request, since it rotates.
    case federatedTokenFile(String)

    /// The form fields (besides `client_id`, `scope`, `grant_type`) that prove the identity at `tokenEndpoint`.
    ///
    /// - Throws: ``AzureError`` `authentication` when the federated token file cannot be read or signing fails.
    func formFields(clientID: String, tokenEndpoint: String, now: Date) throws(AzureError) -> [(String, String)] {
        let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        switch self {
        case .secret(let secret):
            return [("client_secret", secret)]
        case .certificate(let certificate):
            let assertion = try certificate.assertion(clientID: clientID, audience: tokenEndpoint, now: now, jwtID: UUID().uuidString)
            return [("client_assertion_type", assertionType), ("client_assertion", assertion)]
        case .federatedTokenFile(let path):
            guard let token = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                !token.isEmpty
            else {
                throw AzureError(.authentication, "the federated token file \(path) cannot be read or is empty")
            }
            return [("client_assertion_type", assertionType), ("client_assertion", token)]
        }
    }
}

extension AzureCredential: CustomStringConvertible {
    /// Names the kind only: never the secret.
    public var description: String {
        switch self {
        case .secret: "client secret"
        case .certificate(let certificate): "client certificate \(certificate.sha256Thumbprint)"
        case .federatedTokenFile(let path): "federated token file \(path)"
        }
    }
}
