public import AsyncHTTPClient
import Foundation
import NIOHTTP1
import NIOFoundationCompat
public import Logging
import NIOCore

/// The standard credential chain, in the AWS SDKs' order: access keys in the environment; web identity
/// (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, IRSA on EKS) through `AssumeRoleWithWebIdentity`; the shared
/// `credentials`/`config` files' profile (`AWS_PROFILE`, default `default`); container credentials
/// (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, EKS Pod Identity). The
/// environment is a parameter: libraries never read the process's own.
public enum AWSCredentialChain {
    /// Which source an environment selects (a pure decision).
    public enum Source: Sendable, Hashable {
        case environment(AWSCredentials)
        case webIdentity(roleARN: String, tokenFile: String, sessionName: String)
        case sharedFiles(AWSCredentials, profile: String)
        case container(url: String, tokenFile: String?, token: String?)
    }

    /// The source `environment` selects; `readFile` reads a path (nil when absent).
    ///
    /// - Throws: ``AWSError`` `NoCredentials` naming what was looked for.
    public static func select(environment: [String: String], readFile: (String) throws(AWSError) -> String?) throws(AWSError) -> Source {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let key = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            return .environment(AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN")))
        }
        if let tokenFile = value("AWS_WEB_IDENTITY_TOKEN_FILE"), let role = value("AWS_ROLE_ARN") {
            return .webIdentity(roleARN: role, tokenFile: tokenFile, sessionName: value("AWS_ROLE_SESSION_NAME") ?? "jitsudod")
        }
        let profile = value("AWS_PROFILE") ?? value("AWS_DEFAULT_PROFILE") ?? "default"
        let home = value("HOME") ?? "/root"
        let credentialsPath = value("AWS_SHARED_CREDENTIALS_FILE") ?? home + "/.aws/credentials"
        let configPath = value("AWS_CONFIG_FILE") ?? home + "/.aws/config"
        let fromCredentials = try readFile(credentialsPath).map { INIFile.parse($0)[profile] ?? [:] } ?? [:]
        let fromConfig = try readFile(configPath).map { INIFile.parse($0)[profile == "default" ? "default" : "profile \(profile)"] ?? [:] } ?? [:]
        for section in [fromCredentials, fromConfig] {
            if let key = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] {
                return .sharedFiles(
                    AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: section["aws_session_token"]),
                    profile: profile)
            }
        }
        if let url = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            return .container(url: url, tokenFile: value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), token: value("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
        }
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            return .container(url: "http://169.254.170.2" + relative, tokenFile: nil, token: nil)
        }
        throw AWSError(
            code: "NoCredentials",
            message: "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                + "AWS_WEB_IDENTITY_TOKEN_FILE+AWS_ROLE_ARN, a profile in \(credentialsPath) or \(configPath) (AWS_PROFILE), "
                + "or AWS_CONTAINER_CREDENTIALS_FULL_URI", status: 0)
    }

    /// The credential source for `environment`; temporary credentials are refreshed before they expire. STS is
    /// called in `region` at `endpointURL` (nil: the real endpoint).
    public static func source(
        environment: [String: String], region: String, endpointURL: String?, http: HTTPClient = .shared,
        logger: Logger
    ) throws(AWSError) -> any AWSCredentialSource {
        let source = try select(environment: environment, readFile: readIfPresent)
        switch source {
        case .environment(let credentials), .sharedFiles(let credentials, _):
            return StaticCredentials(credentials)
        case .webIdentity(let roleARN, let tokenFile, let sessionName):
            let sts = AWSClient(configuration: .init(region: region, endpointURL: endpointURL), credentials: nil, http: http, logger: logger)
            return RefreshingCredentials { () async throws(AWSError) -> AWSCredentials in
                guard let token = try readIfPresent(tokenFile) else {
                    throw AWSError(code: "NoCredentials", message: "the web identity token file \(tokenFile) does not exist", status: 0)
                }
                return try await STSCalls.assumeRoleWithWebIdentity(
                    sts, roleARN: roleARN, sessionName: sessionName,
                    token: token.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        case .container(let url, let tokenFile, let token):
            return RefreshingCredentials { () async throws(AWSError) -> AWSCredentials in
                var authorization = token
                if let tokenFile {
                    // An unreadable token file is an error, never a request without authorization.
                    guard let text = try readIfPresent(tokenFile) else {
                        throw AWSError(
                            code: "NoCredentials", message: "the container authorization token file \(tokenFile) does not exist", status: 0)
                    }
                    authorization = text.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                return try await containerCredentials(url: url, authorization: authorization, http: http)
            }
        }
    }

    /// The text of the file at `path`, nil when there is none; a file that exists but cannot be read is an error (it is
    /// never taken for an absent one, which would silently pick another credential source).
    public static func readIfPresent(_ path: String) throws(AWSError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AWSError(code: "NoCredentials", message: "\(path) exists but cannot be read: \(error.localizedDescription)", status: 0)
        }
    }

    /// GET the container credentials endpoint (`{"AccessKeyId","SecretAccessKey","Token","Expiration"}`).
    static func containerCredentials(url: String, authorization: String?, http: HTTPClient) async throws(AWSError) -> AWSCredentials {
        var request = HTTPClientRequest(url: url)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let body: ByteBuffer
        let status: Int
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw AWSError(code: AWSError.transport, message: "container credentials endpoint unreachable: \(error)", status: 0)
        }
        guard status == 200, let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
            let key = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String
        else {
            throw AWSError(
                code: "NoCredentials", message: "the container credentials endpoint answered \(status) without credentials", status: status)
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: object["Token"] as? String,
            expiration: try ISOTime.expiration(object["Expiration"] as? String))
    }
}
