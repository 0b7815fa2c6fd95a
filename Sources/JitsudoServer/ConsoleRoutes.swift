import Foundation
import HTTPTypes
import Hummingbird
import JitsudoAPI
import JitsudoCore
import JitsudoStore
import Logging
import NIOCore

/// What the web console needs besides the API's dependencies.
struct ConsoleSettings: Sendable {
    let oidc: ConsoleOIDCClient
    let sessions: ConsoleSessionStore
    /// `public_url`, or empty to derive the callback from the request's Host header.
    let publicURL: String
    /// `https` when this server terminates TLS.
    let scheme: String
}

/// A console refusal with its HTTP status and a message safe to show.
struct ConsoleRefusal: Error {
    let status: HTTPResponse.Status
    let message: String
}

/// The web console under `/ui/`: server-rendered HTML (no script), sign-in with the configured OIDC issuer
/// (authorization code + PKCE), a server-side session in an `HttpOnly; Secure; SameSite=Strict` cookie, a CSRF token
/// on every form, a strict Content-Security-Policy. Every decision goes through ``RequestService`` exactly as the API's
/// (audited `via: console`).
struct ConsoleRoutes: Sendable {
    let deps: RouteDependencies
    let settings: ConsoleSettings
    let authenticator: any CallerAuthenticator
    var requests: RequestService { deps.requests.via("console") }

    /// A signed-in viewer: who, their session's CSRF token, and the stored id hash.
    struct SignedIn: Sendable {
        var caller: Caller
        var csrf: String
        var idHash: String
        var viewer: ConsolePages.Viewer { .init(identity: caller.email, csrf: csrf) }
    }

    static func add(to router: Router<APIContext>, _ deps: RouteDependencies, _ settings: ConsoleSettings, authenticator: any CallerAuthenticator) {
        let console = ConsoleRoutes(deps: deps, settings: settings, authenticator: authenticator)
        // `/ui` and `/ui/` are the same route.
        router.get("ui") { request, _ in await console.guarded(request) { try await console.home(request) } }
        router.get("ui/style.css") { _, _ in
            Response(
                status: .ok, headers: ConsoleSecurity.headers(contentType: "text/css; charset=utf-8"),
                body: .init(byteBuffer: ByteBuffer(string: ConsoleHTML.styleSheet)))
        }
        router.get("ui/login") { request, _ in await console.guarded(request) { try await console.login(request) } }
        router.get("ui/callback") { request, _ in await console.guarded(request) { try await console.callback(request) } }
        router.post("ui/logout") { request, context in
            await console.guarded(request) {
                let (viewer, _) = try await console.post(request, context)
                try await settings.sessions.delete(idHash: viewer.idHash)
                var headers = ConsoleSecurity.headers()
                headers[.setCookie] = ConsoleSecurity.clearedCookie
                headers[.location] = "/ui/"
                return Response(status: .seeOther, headers: headers)
            }
        }
        router.post("ui/requests") { request, context in await console.guarded(request) { try await console.submit(request, context) } }
        router.get("ui/requests/:id") { request, context in
            await console.guarded(request) {
                let viewer = try await console.requireSignedIn(request)
                return html(try await console.requestPage(viewer, try requestID(context)))
            }
        }
        for action in ["approve", "deny", "revoke", "extend", "credentials"] {
            router.post(RouterPath("ui/requests/:id/\(action)")) { request, context in
                await console.guarded(request) { try await console.act(action, request, context) }
            }
        }
        router.get("ui/audit") { request, _ in
            await console.guarded(request) {
                let viewer = try await console.requireSignedIn(request)
                let (filter, values) = try console.auditFilter(request)
                let events = try await deps.audit.events(matching: filter, pageSize: 200).events.map(WireAuditEvent.init)
                let entries = events.map {
                    ConsolePages.TimelineEntry(
                        timestamp: $0.timestamp, actor: $0.actorIdentity, action: $0.action, outcome: $0.outcome, details: $0.detailsJson)
                }
                let query = values.filter { !$0.value.isEmpty }.map { "\($0.name)=\(URLEncodedForm.encode($0.value))" }.joined(separator: "&")
                return html(ConsolePages.audit(viewer.viewer, filters: values, events: entries, csvQuery: query))
            }
        }
        router.get("ui/audit.csv") { request, _ in
            await console.guarded(request) {
                _ = try await console.requireSignedIn(request)
                let (filter, _) = try console.auditFilter(request)
                let events = try await deps.audit.events(matching: filter, pageSize: 1_000).events.map(WireAuditEvent.init)
                var headers = ConsoleSecurity.headers(contentType: "text/csv; charset=utf-8")
                headers[.contentDisposition] = "attachment; filename=\"jitsudo-audit.csv\""
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: ConsolePages.auditCSV(events))))
            }
        }
        addAdmin(to: router, console)
        router.get("ui/approvals") { request, _ in
            await console.guarded(request) {
                let viewer = try await console.requireSignedIn(request)
                return html(ConsolePages.approvals(viewer.viewer, queue: try await console.queue(for: viewer.caller)))
            }
        }
    }

    // MARK: - Sessions

    func signedIn(_ request: Request) async throws -> SignedIn? {
        guard let id = ConsoleSecurity.sessionID(cookieHeader: request.headers[.cookie]) else { return nil }
        let idHash = ConsoleSecurity.hash(id)
        guard let session = try await settings.sessions.session(idHash: idHash) else { return nil }
        return SignedIn(
            caller: Caller(email: session.identity, subject: session.subject, groups: session.groups, isAdmin: session.isAdmin),
            csrf: session.csrfToken, idHash: idHash)
    }

    func requireSignedIn(_ request: Request) async throws -> SignedIn {
        guard let viewer = try await signedIn(request) else { throw ConsoleRefusal(status: .unauthorized, message: "Sign in first.") }
        return viewer
    }

    /// A state-changing POST: a session and the session's CSRF token in the form, else 403 and nothing changes.
    func post(_ request: Request, _ context: APIContext) async throws -> (SignedIn, [String: String]) {
        let viewer = try await requireSignedIn(request)
        let body = try await HTTPJSON.body(request, context: context)
        let form = URLEncodedForm.fields(String(buffer: body))
        guard ConsoleSecurity.tokensMatch(form["csrf"], viewer.csrf) else {
            deps.requests.logger.notice("console form refused: CSRF token missing or wrong", metadata: ["identity": "\(viewer.caller.email)"])
            throw ConsoleRefusal(status: .forbidden, message: "This form is missing its CSRF token or it is wrong; reload the page and try again.")
        }
        return (viewer, form)
    }

    func redirectURI(_ request: Request) -> String {
        if !settings.publicURL.isEmpty {
            return (settings.publicURL.hasSuffix("/") ? String(settings.publicURL.dropLast()) : settings.publicURL) + "/ui/callback"
        }
        return "\(settings.scheme)://\(request.head.authority ?? "127.0.0.1")/ui/callback"
    }

    func login(_ request: Request) async throws -> Response {
        let endpoints = try await settings.oidc.endpoints()
        let state = ConsoleSecurity.randomToken()
        let verifier = ConsoleSecurity.randomToken()
        let nonce = ConsoleSecurity.randomToken()
        try await settings.sessions.beginLogin(state: state, codeVerifier: verifier, nonce: nonce)
        let url = ConsoleOIDCClient.authorizationURL(
            endpoints.authorization, clientID: settings.oidc.clientID, redirectURI: redirectURI(request), state: state, codeVerifier: verifier,
            nonce: nonce)
        return Self.redirect(url, status: .found)
    }

    func callback(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        if let error = query["error"] {
            throw ConsoleRefusal(status: .unauthorized, message: "The identity provider refused the sign-in: \(String(error).prefix(120))")
        }
        guard let state = query["state"].map(String.init), let code = query["code"].map(String.init), !code.isEmpty,
            let pending = try await settings.sessions.finishLogin(state: state)
        else { throw ConsoleRefusal(status: .badRequest, message: "This sign-in is unknown, used or expired; sign in again.") }
        let endpoints = try await settings.oidc.endpoints()
        let idToken = try await settings.oidc.exchange(
            code: code, redirectURI: redirectURI(request), codeVerifier: pending.codeVerifier, at: endpoints.token)
        let caller = try await authenticator.authenticate(authorization: "Bearer \(idToken)")
        try await deps.principals.touch(caller.email, groups: caller.groups)
        let sessionID = ConsoleSecurity.randomToken()
        try await settings.sessions.create(
            idHash: ConsoleSecurity.hash(sessionID),
            .init(
                identity: caller.email, subject: caller.subject, groups: caller.groups, isAdmin: caller.isAdmin,
                csrfToken: ConsoleSecurity.randomToken()),
            lifetimeSeconds: ConsoleSecurity.sessionLifetimeSeconds)
        // A page, not a redirect: after the identity provider's cross-site redirect, a SameSite=Strict cookie is sent
        // only on a navigation this site starts.
        var headers = ConsoleSecurity.headers()
        headers[.setCookie] = ConsoleSecurity.sessionCookie(sessionID)
        let page = ConsoleHTML.page(
            title: "Signed in", identity: nil, csrf: nil,
            body:
                "<meta http-equiv=\"refresh\" content=\"0; url=/ui/\"><p>Signed in as \(ConsoleHTML.escape(caller.email)). <a href=\"/ui/\">Continue</a></p>"
        )
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    // MARK: - Pages

    func home(_ request: Request) async throws -> Response {
        guard let viewer = try await signedIn(request) else { return Self.html(ConsolePages.signedOut()) }
        let page = try await deps.requests.requests.list(.init(requesterIdentity: viewer.caller.email), pageSize: 100, pageToken: "")
        return Self.html(
            ConsolePages.home(
                viewer.viewer, requests: try await deps.requests.records(page.requests), providers: deps.requests.providers.keys.sorted()))
    }

    func submit(_ request: Request, _ context: APIContext) async throws -> Response {
        let (viewer, form) = try await post(request, context)
        let breakGlass = form["break_glass"] == "true"
        if breakGlass, form["break_glass_confirmed"] != "true" {
            throw ConsoleRefusal(
                status: .badRequest, message: "Break-glass needs the confirmation box ticked: it grants at once and alerts everyone.")
        }
        let seconds: Int64
        do {
            seconds = try GrantDuration.parse((form["duration"] ?? "").trimmingCharacters(in: .whitespaces)).seconds
        } catch {
            throw ConsoleRefusal(status: .badRequest, message: error.message)
        }
        let created = try await requests.create(
            .init(
                provider: form["provider"] ?? "", role: form["role"] ?? "", resourceScope: form["scope"] ?? "", durationSeconds: seconds,
                reason: form["reason"] ?? "", breakGlass: breakGlass, metadata: [:]),
            by: viewer.caller)
        return Self.redirect("/ui/requests/\(created.id.rawValue)")
    }

    func requestPage(_ viewer: SignedIn, _ id: JitsudoCore.RequestID, notice: String? = nil) async throws -> String {
        let record = try await deps.requests.get(id)
        let stored = record.request
        let caller = viewer.caller
        let isRequester = stored.requesterIdentity == caller.email
        var actions = ConsolePages.Actions()
        if stored.state == .pending, !isRequester, !record.isApproved(by: caller.email) {
            actions.decide = try await mayDecide(stored, caller)
        }
        actions.withdraw = isRequester && stored.state == .pending
        actions.credentials = isRequester && stored.state == .active
        actions.extend = isRequester && stored.state == .active
        actions.revoke = (isRequester || caller.isAdmin) && (stored.state == .active || stored.state == .approved)
        let events = try await deps.audit.events(matching: .init(requestID: id.rawValue), pageSize: 500).events.map(WireAuditEvent.init)
        let timeline = events.map {
            ConsolePages.TimelineEntry(
                timestamp: $0.timestamp, actor: $0.actorIdentity, action: $0.action, outcome: $0.outcome, details: $0.detailsJson)
        }
        return ConsolePages.request(
            viewer.viewer, record, requesterTier: try await deps.principals.trustTier(of: stored.requesterIdentity), actions: actions,
            timeline: timeline, notice: notice)
    }

    /// Whether the approval policy lets `caller` approve `request` (what the queue and the buttons show; the
    /// command itself asks the policy again).
    func mayDecide(_ request: ElevationRequest, _ caller: Caller) async throws -> Bool {
        guard request.requesterIdentity != caller.email else { return false }
        let approvers = try await deps.requests.requests.approvals(of: request.id).map(\.approverIdentity)
        guard !approvers.contains(caller.email) else { return false }
        if case .allow = try await deps.requests.approverVerdict(request, caller: caller, action: "approve", approvals: approvers) { return true }
        return false
    }

    func queue(for caller: Caller) async throws -> [ConsolePages.QueueEntry] {
        let pending = try await deps.requests.requests.list(.init(state: .pending), pageSize: 200, pageToken: "").requests
        var mine: [ElevationRequest] = []
        for request in pending {
            if try await mayDecide(request, caller) { mine.append(request) }
        }
        var entries: [ConsolePages.QueueEntry] = []
        for record in try await deps.requests.records(mine) {
            entries.append(.init(request: record, requesterTier: try await deps.principals.trustTier(of: record.request.requesterIdentity)))
        }
        return entries
    }

    /// The audit filters of the query (`actor`, `action`, `request`, `provider`, `since`, `until`), and their values
    /// to show back in the form.
    func auditFilter(_ request: Request) throws -> (AuditLog.Filter, [(name: String, label: String, value: String)]) {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String { query[Substring(name)].map { String($0.prefix(256)) } ?? "" }
        func time(_ name: String) throws -> AuditTimestamp? {
            let text = value(name)
            guard !text.isEmpty else { return nil }
            guard let parsed = AuditTimestamp(parsing: text) else {
                throw ConsoleRefusal(status: .badRequest, message: "\(name) must be an RFC 3339 time in UTC, like 2026-03-20T16:00:00Z")
            }
            return parsed
        }
        func optional(_ name: String) -> String? { value(name).isEmpty ? nil : value(name) }
        let filter = AuditLog.Filter(
            actorIdentity: optional("actor"), provider: optional("provider"), requestID: optional("request"), action: optional("action"),
            since: try time("since"), until: try time("until"))
        let values = [
            ("actor", "Actor"), ("action", "Action"), ("request", "Request"), ("provider", "Provider"), ("since", "Since"), ("until", "Until"),
        ]
        .map { (name: $0.0, label: $0.1, value: value($0.0)) }
        return (filter, values)
    }

    func act(_ action: String, _ request: Request, _ context: APIContext) async throws -> Response {
        let (viewer, form) = try await post(request, context)
        let id = try Self.requestID(context)
        let caller = viewer.caller
        switch action {
        case "approve": _ = try await requests.approve(id, comment: form["comment"] ?? "", by: caller)
        case "deny":
            let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try await requests.deny(id, reason: reason, by: caller)
        case "revoke": _ = try await requests.revoke(id, reason: form["reason"] ?? "", by: caller)
        case "extend":
            let seconds: Int64
            do {
                seconds = try GrantDuration.parse((form["duration"] ?? "").trimmingCharacters(in: .whitespaces)).seconds
            } catch {
                throw ConsoleRefusal(status: .badRequest, message: error.message)
            }
            _ = try await requests.extend(id, addedSeconds: seconds, reason: form["reason"] ?? "", by: caller)
        default:
            return Self.html(ConsolePages.credentials(viewer.viewer, try await requests.credentials(id, by: caller)))
        }
        return Self.redirect("/ui/requests/\(id.rawValue)")
    }

    // MARK: - Responses

    static func requestID(_ context: APIContext) throws -> JitsudoCore.RequestID {
        let text = try context.parameters.require("id")
        do { return try JitsudoCore.RequestID(parsing: text) } catch {
            throw ConsoleRefusal(status: .notFound, message: "There is no request \(text.prefix(64)).")
        }
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: ConsoleSecurity.headers(), body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func redirect(_ location: String, status: HTTPResponse.Status = .seeOther) -> Response {
        var headers = ConsoleSecurity.headers()
        headers[.location] = location
        return Response(status: status, headers: headers)
    }

    /// Runs a handler and renders its refusals as pages: the policy's reason, the state's, or a plain 500.
    func guarded(_ request: Request, _ handler: () async throws -> Response) async -> Response {
        do {
            return try await handler()
        } catch {
            return await refusalPage(error, viewer: await viewerForErrorPage(request))
        }
    }

    /// The signed-in viewer for the navigation of an error page; nil when there is none or it cannot be read.
    func viewerForErrorPage(_ request: Request) async -> SignedIn? {
        do {
            return try await signedIn(request)
        } catch {
            return nil
        }
    }

    /// The page of a refusal: the policy's reason, the state's, or a plain 500.
    func refusalPage(_ error: any Error, viewer: SignedIn?) async -> Response {
        do {
            throw error
        } catch let refusal as ConsoleRefusal {
            if refusal.status == .unauthorized { return Self.html(ConsolePages.signedOut(message: refusal.message), status: .unauthorized) }
            return Self.html(ConsolePages.error(viewer?.viewer, title: "Refused", message: refusal.message), status: refusal.status)
        } catch let refusal as WorkflowRefusal {
            let status: HTTPResponse.Status =
                switch refusal.code {
                case .permissionDenied: .forbidden
                case .failedPrecondition: .conflict
                case .invalidArgument: .badRequest
                }
            return Self.html(ConsolePages.error(viewer?.viewer, title: "Refused", message: refusal.message), status: status)
        } catch let failure as ProviderFailure {
            return Self.html(ConsolePages.error(viewer?.viewer, title: "Provider failure", message: failure.description), status: .badGateway)
        } catch let error as StoreError where error.code == .notFound {
            return Self.html(ConsolePages.error(viewer?.viewer, title: "Not found", message: error.message), status: .notFound)
        } catch let error as APIError {
            return Self.html(
                ConsolePages.error(viewer?.viewer, title: "Refused", message: error.message), status: HTTPResponse.Status(code: error.status))
        } catch {
            deps.requests.logger.error("console request failed", metadata: ["error": "\(error)"])
            return Self.html(
                ConsolePages.error(viewer?.viewer, title: "Something went wrong", message: "The server could not do this; try again."),
                status: .internalServerError)
        }
    }
}
