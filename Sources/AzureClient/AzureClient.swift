public import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import BoundedJSON

/// A small client for the Azure calls of just-in-time access: Entra tokens (client credentials), Azure Resource
/// Manager's `Microsoft.Authorization` (role definitions, role assignments, PIM schedule requests) and a Microsoft
/// Graph user lookup. Tokens are cached per API and refreshed before they expire; 429 waits for `Retry-After`, 5xx
/// and transport failures back off, a 401 fetches a new token once. Knows nothing of jitsudo.
///
/// Never logs a token, a secret or an assertion; logs at debug at most.
public struct AzureClient: Sendable {
    /// Where and as whom.
    public struct Configuration: Sendable {
        public var tenantID: String
        public var clientID: String
        public var credential: AzureCredential
        /// The Entra authority (default the public cloud's).
        public var authorityURL = "https://login.microsoftonline.com"
        /// Azure Resource Manager (default the public cloud's).
        public var armURL = "https://management.azure.com"
        /// Microsoft Graph (default the public cloud's).
        public var graphURL = "https://graph.microsoft.com"
        public var retry = RetryPolicy()
        /// The limit of one HTTP exchange.
        public var requestTimeout: Duration = .seconds(30)

        public init(tenantID: String, clientID: String, credential: AzureCredential) {
            self.tenantID = tenantID
            self.clientID = clientID
            self.credential = credential
        }
    }

    public let configuration: Configuration
    let http: HTTPClient
    let logger: Logger
    let tokens = AccessTokenCache()
    let now: @Sendable () -> Date

    /// `http` is owned by the caller (who shuts it down); give it the TLS trust roots the endpoints need.
    public init(configuration: Configuration, http: HTTPClient, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
        self.now = now
    }

    // MARK: - Resource Manager

    /// The role definitions named `roleName` visible at `scope` (usually one).
    public func roleDefinitions(named roleName: String, at scope: String) async throws(AzureError) -> [Authorization.RoleDefinition] {
        try await list(AzurePaths.roleDefinitions(arm: configuration.armURL, scope: scope, roleName: roleName))
    }

    /// PUT a role assignment. 201 and 200 return it; an existing assignment of the same principal and role at the
    /// scope under another name is ``AzureError/Code/conflict`` with `azureCode` `RoleAssignmentExists`.
    public func createRoleAssignment(at scope: String, name: String, _ properties: Authorization.RoleAssignment.Properties)
        async throws(AzureError) -> Authorization.RoleAssignment
    {
        var body = properties
        body.scope = nil
        return try await arm(
            .PUT, AzurePaths.roleAssignment(arm: configuration.armURL, scope: scope, name: name),
            body: Authorization.RoleAssignment(properties: body))
    }

    /// The role assignment `name` at `scope`, or nil when there is none.
    public func roleAssignment(at scope: String, name: String) async throws(AzureError) -> Authorization.RoleAssignment? {
        do {
            return try await arm(.GET, AzurePaths.roleAssignment(arm: configuration.armURL, scope: scope, name: name), body: Optional<String>.none)
        } catch  where error.code == .notFound {
            return nil
        }
    }

    /// DELETE a role assignment; returns whether one was there (204 and 404 are "was not").
    @discardableResult
    public func deleteRoleAssignment(at scope: String, name: String) async throws(AzureError) -> Bool {
        let response = try await send(
            .DELETE, AzurePaths.roleAssignment(arm: configuration.armURL, scope: scope, name: name), body: nil,
            audience: configuration.armURL)
        switch response.status {
        case 200: return true
        case 204, 404: return false
        default: throw Self.error(response)
        }
    }

    /// The role assignments exactly at `scope`, all pages.
    public func roleAssignments(at scope: String) async throws(AzureError) -> [Authorization.RoleAssignment] {
        try await list(AzurePaths.roleAssignments(arm: configuration.armURL, scope: scope))
    }

    /// PUT a role assignment schedule request (PIM). Azure's refusals come back as ``AzureError`` with its code
    /// (`RoleAssignmentExists`, `RoleAssignmentDoesNotExist`, `RoleAssignmentRequestExists`, …).
    public func createScheduleRequest(at scope: String, name: String, _ request: Authorization.ScheduleRequest.Properties)
        async throws(AzureError) -> Authorization.ScheduleRequest
    {
        var body = request
        body.status = nil
        body.createdOn = nil
        body.scope = nil
        return try await arm(
            .PUT, AzurePaths.scheduleRequest(arm: configuration.armURL, scope: scope, name: name),
            body: Authorization.ScheduleRequest(properties: body))
    }

    /// The schedule requests at `scope`, all pages.
    public func scheduleRequests(at scope: String) async throws(AzureError) -> [Authorization.ScheduleRequest] {
        try await list(AzurePaths.scheduleRequests(arm: configuration.armURL, scope: scope))
    }

    // MARK: - Microsoft Graph

    /// The Entra object id of the user whose UPN or mail is `name`, or nil when there is none.
    public func userObjectID(upnOrMail name: String) async throws(AzureError) -> String? {
        struct User: Codable, Sendable { var id: String }
        let page: Authorization.Page<User> = try await decode(
            send(.GET, AzurePaths.user(graph: configuration.graphURL, upnOrMail: name), body: nil, audience: configuration.graphURL))
        return page.value.first?.id
    }

    // MARK: - Plumbing

    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
    }

    private func list<Item: Codable & Sendable>(_ url: String) async throws(AzureError) -> [Item] {
        var items: [Item] = []
        var next: String? = url
        var pages = 0
        while let url = next, pages < 100 {
            let page: Authorization.Page<Item> = try await decode(send(.GET, url, body: nil, audience: configuration.armURL))
            items += page.value
            next = page.nextLink
            pages += 1
        }
        return items
    }

    private func arm<Body: Encodable, Answer: Decodable>(_ method: HTTPMethod, _ url: String, body: Body?) async throws(AzureError) -> Answer {
        let data: Data?
        do { data = try body.map { try JSONEncoder().encode($0) } } catch {
            throw AzureError(.badRequest, "cannot encode the request body")
        }
        return try await decode(send(method, url, body: data, audience: configuration.armURL))
    }

    private func decode<Answer: Decodable>(_ response: Response) throws(AzureError) -> Answer {
        guard (200...299).contains(response.status) else { throw Self.error(response) }
        do {
            return try JSONDecoder().decodeBounded(Answer.self, from: response.body)
        } catch {
            throw AzureError(.invalidResponse, status: response.status, "the answer does not parse as \(Answer.self)")
        }
    }

    /// One call with the retry policy: a bearer token of `audience`'s `.default` scope (a 401 fetches a new one once),
    /// 429/5xx/transport failures retried as ``RetryPolicy`` says. Returns the last answer, whatever its status.
    func send(_ method: HTTPMethod, _ url: String, body: Data?, audience: String) async throws(AzureError) -> Response {
        let scope = AzurePaths.defaultScope(of: audience)
        var attempt = 1
        var renewedToken = false
        while true {
            let token = try await accessToken(scope: scope)
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token.token)")
            request.headers.add(name: "Accept", value: "application/json")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(data: body))
            }
            let outcome: RetryPolicy.Outcome
            do {
                let response = try await execute(request)
                if response.status == 401, !renewedToken {
                    renewedToken = true
                    await tokens.invalidate(scope)
                    continue
                }
                outcome = .status(response.status, retryAfter: response.headers.first(name: "Retry-After"))
                guard let wait = configuration.retry.delay(after: outcome, attempt: attempt) else { return response }
                logger.debug(
                    "azure call retried",
                    metadata: [
                        "http.method": "\(method)", "http.status": "\(response.status)",
                        "retry.after_ms": "\(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)",
                    ])
                try await Self.backOff(wait)
            } catch {
                guard let wait = configuration.retry.delay(after: .transportFailure, attempt: attempt) else { throw error }
                logger.debug("azure call retried", metadata: ["http.method": "\(method)", "error": "\(error.message)"])
                try await Self.backOff(wait)
            }
            attempt += 1
        }
    }

    /// Waits before a retry; a cancelled task stops retrying instead of sending the next attempt.
    static func backOff(_ wait: Duration) async throws(AzureError) {
        do { try await Task.sleep(for: wait) } catch { throw AzureError(.transport, "cancelled while waiting to retry") }
    }

    private func execute(_ request: HTTPClientRequest) async throws(AzureError) -> Response {
        do {
            let timeout = configuration.requestTimeout.components
            let response = try await http.execute(
                request, timeout: .nanoseconds(timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000))
            let body = try await response.body.collect(upTo: 8 << 20)
            return Response(status: Int(response.status.code), headers: response.headers, body: Data(buffer: body))
        } catch {
            throw AzureError(.transport, "no answer from \(request.url.split(separator: "?").first ?? ""): \(error)")
        }
    }

    /// The cached token of `scope`, or a new one from the token endpoint.
    func accessToken(scope: String) async throws(AzureError) -> AccessToken {
        do {
            return try await tokens.token(for: scope, now: now()) { try await fetchToken(scope: scope) }
        } catch let error as AzureError {
            throw error
        } catch {
            throw AzureError(.authentication, "token request failed: \(error)")
        }
    }

    private func fetchToken(scope: String) async throws(AzureError) -> AccessToken {
        let endpoint = AzurePaths.tokenEndpoint(authority: configuration.authorityURL, tenant: configuration.tenantID)
        var attempt = 1
        while true {
            let issuedAt = now()
            let fields =
                [("client_id", configuration.clientID), ("scope", scope), ("grant_type", "client_credentials")]
                + (try configuration.credential.formFields(clientID: configuration.clientID, tokenEndpoint: endpoint, now: issuedAt))
            var request = HTTPClientRequest(url: endpoint)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "Accept", value: "application/json")
            request.body = .bytes(ByteBuffer(string: Self.form(fields)))
            let response: Response
            do {
                response = try await execute(request)
            } catch {
                guard let wait = configuration.retry.delay(after: .transportFailure, attempt: attempt) else { throw error }
                try await Self.backOff(wait)
                attempt += 1
                continue
            }
            if let wait = configuration.retry.delay(
                after: .status(response.status, retryAfter: response.headers.first(name: "Retry-After")),
                attempt: attempt), response.status == 429 || response.status >= 500
            {
                try await Self.backOff(wait)
                attempt += 1
                continue
            }
            return try Self.token(from: response, issuedAt: issuedAt)
        }
    }

    /// The access token of a token endpoint answer, or the refusal as `authentication` (Entra's AADSTS message).
    static func token(from response: Response, issuedAt: Date) throws(AzureError) -> AccessToken {
        let answer = try? JSONDecoder().decodeBounded(Authorization.TokenAnswer.self, from: response.body)
        guard response.status == 200, let token = answer?.access_token, let seconds = answer?.expires_in else {
            let description = answer?.error_description?.split(separator: "\r\n").first.map(String.init) ?? "no token in the answer"
            throw AzureError(
                response.status == 200 ? .invalidResponse : .authentication, status: response.status, azureCode: answer?.error,
                "Entra refused jitsudod's credentials: \(description)")
        }
        return AccessToken(token: token, expiresOn: issuedAt.addingTimeInterval(TimeInterval(seconds)), issuedAt: issuedAt)
    }

    /// `application/x-www-form-urlencoded`.
    static func form(_ fields: [(String, String)]) -> String {
        fields.map { "\($0.0)=\(AzurePaths.escapeSegment($0.1))" }.joined(separator: "&")
    }

    /// An ARM/Graph answer that is not success, as an error with Azure's code and message.
    static func error(_ response: Response) -> AzureError {
        let detail = (try? JSONDecoder().decodeBounded(Authorization.ErrorBody.self, from: response.body))?.error
        let azureCode = detail?.code
        let message = detail?.message ?? "HTTP \(response.status)"
        let existing: Set<String> = ["RoleAssignmentExists", "RoleAssignmentRequestExists"]
        let code: AzureError.Code
        switch response.status {
        case 401: code = .authentication
        case 403: code = .forbidden
        case 404: code = .notFound
        case 409: code = .conflict
        case 429: code = .throttled
        case 400 where existing.contains(azureCode ?? ""): code = .conflict
        case 500...599: code = .server
        default: code = .badRequest
        }
        return AzureError(code, status: response.status, azureCode: azureCode, message)
    }
}
