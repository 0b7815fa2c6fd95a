import Crypto
import JitsudoAuth
public import Foundation
import Synchronization

/// The RFC 8628 device authorization grant and the refresh-token grant of the development issuer.
extension DevelopmentIssuer {
    public static let deviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code"

    /// Starts a device login (`POST /device/code`): returns status 200 and the RFC 8628 §3.2 response,
    /// or 400 `invalid_client` for another client id.
    /// With ``Configuration/approvesDefaultUserAutomatically``, the login is approved at once, as `loginHint` (an
    /// e-mail address: any development user) when given, else as the default user.
    public func deviceAuthorization(clientID: String, scope: String = "openid email", loginHint: String? = nil, now: Date) -> (
        status: Int, json: Data
    ) {
        guard clientID == configuration.clientID else {
            return (400, Self.json(["error": "invalid_client", "error_description": "unknown client_id"]))
        }
        let deviceCode = Self.randomToken()
        let userCode = Self.randomUserCode()
        var entry = DeviceCode(
            userCode: userCode, scope: scope, expiresAt: now.addingTimeInterval(configuration.deviceCodeLifetime),
            interval: configuration.pollInterval
        )
        if let loginHint, !loginHint.isEmpty {
            guard let user = Self.developmentUser(loginHint, default: configuration.defaultUser) else {
                return (400, Self.json(["error": "invalid_request", "error_description": "login_hint must be an e-mail address"]))
            }
            if configuration.approvesDefaultUserAutomatically { entry.approvedAs = user }
        } else if configuration.approvesDefaultUserAutomatically {
            entry.approvedAs = configuration.defaultUser
        }
        state.withLock { $0.deviceCodes[deviceCode] = entry }
        let verification = configuration.baseURL + "/device"
        return (
            200,
            Self.json([
                "device_code": deviceCode, "user_code": userCode, "verification_uri": verification,
                "verification_uri_complete": verification + "?user_code=" + userCode,
                "expires_in": Int(configuration.deviceCodeLifetime), "interval": configuration.pollInterval,
            ])
        )
    }

    /// Approves the pending login with `userCode` as the given user; false if no such pending code.
    @discardableResult
    public func approve(userCode: String, email: String, groups: [String] = [], now: Date = Date()) -> Bool {
        let user = User(email: email, groups: groups)
        return state.withLock { state in
            guard let entry = state.deviceCodes.first(where: { $0.value.userCode == userCode.uppercased() }),
                entry.value.expiresAt > now
            else { return false }
            state.deviceCodes[entry.key]?.approvedAs = user
            return true
        }
    }

    /// The user opened `verification_uri_complete`: approves as ``Configuration/defaultUser`` when one is set.
    /// Returns the HTTP status and a plain-text page.
    public func verificationPageVisited(userCode: String?, now: Date) -> (status: Int, text: String) {
        guard let userCode, !userCode.isEmpty else { return (400, "missing user_code\n") }
        guard let user = configuration.defaultUser else {
            return (200, "Development issuer: approve code \(userCode) from the server (no default user configured).\n")
        }
        guard approve(userCode: userCode, email: user.email, groups: user.groups, now: now) else {
            return (404, "Unknown or expired code \(userCode). Run `jitsudo login` again.\n")
        }
        return (200, "Logged in as \(user.email) (development issuer). You can close this page.\n")
    }

    /// The token endpoint (`POST /token`, form-encoded fields).
    ///
    /// Device-code grant: 400 `authorization_pending` until approved, `slow_down` when polled faster than the
    /// interval (which then grows by 5 s), `expired_token`, `invalid_grant`; 200 with `id_token` and
    /// `refresh_token` once approved (the device code is then consumed). Refresh grant: a new `id_token` and a
    /// rotated `refresh_token`.
    public func token(formFields fields: [String: String], now: Date) -> (status: Int, json: Data) {
        if let clientID = fields["client_id"], clientID != configuration.clientID {
            return Self.oauthError("invalid_client", "unknown client_id", status: 401)
        }
        switch fields["grant_type"] {
        case Self.deviceCodeGrantType?: return deviceCodeToken(fields["device_code"] ?? "", now: now)
        case "refresh_token"?: return refreshToken(fields["refresh_token"] ?? "", now: now)
        case "authorization_code"?: return authorizationCodeToken(fields, now: now)
        default: return Self.oauthError("unsupported_grant_type", "grant_type is not supported")
        }
    }

    private enum PollOutcome { case unknown, expired, slowDown, pending, approved(User, scope: String) }

    private func deviceCodeToken(_ code: String, now: Date) -> (status: Int, json: Data) {
        let outcome: PollOutcome = state.withLock { state in
            guard var entry = state.deviceCodes[code] else { return .unknown }
            if entry.expiresAt <= now {
                state.deviceCodes[code] = nil
                return .expired
            }
            if let user = entry.approvedAs {
                state.deviceCodes[code] = nil
                return .approved(user, scope: entry.scope)
            }
            defer { state.deviceCodes[code] = entry }
            if let last = entry.lastPoll, now.timeIntervalSince(last) < Double(entry.interval) {
                entry.interval += 5
                entry.lastPoll = now
                return .slowDown
            }
            entry.lastPoll = now
            return .pending
        }
        switch outcome {
        case .unknown: return Self.oauthError("invalid_grant", "unknown device_code")
        case .expired: return Self.oauthError("expired_token", "the device code has expired; run the login again")
        case .slowDown: return Self.oauthError("slow_down", "polling too fast")
        case .pending: return Self.oauthError("authorization_pending", "open the verification URL to approve")
        case .approved(let user, let scope): return issueTokens(for: user, scope: scope, now: now)
        }
    }

    private func refreshToken(_ token: String, now: Date) -> (status: Int, json: Data) {
        let user: User? = state.withLock { state in state.refreshTokens.removeValue(forKey: token) }
        guard let user else { return Self.oauthError("invalid_grant", "unknown refresh_token") }
        return issueTokens(for: user, scope: "openid email", now: now)
    }

    func issueTokens(for user: User, scope: String, now: Date) -> (status: Int, json: Data) {
        guard let idToken = try? mint(email: user.email, groups: user.groups, subject: user.subject, now: now) else {
            return Self.oauthError("server_error", "could not sign the token", status: 500)
        }
        let refresh = Self.randomToken()
        state.withLock { $0.refreshTokens[refresh] = user }
        return (
            200,
            Self.json([
                "access_token": idToken, "id_token": idToken, "token_type": "Bearer",
                "expires_in": Int(configuration.tokenLifetime), "refresh_token": refresh, "scope": scope,
            ])
        )
    }

    /// The development user of `email`: the default user's groups for the default user, none for anyone else.
    /// Nil unless `email` looks like an address (1–254 characters, one `@`, no spaces or markup).
    static func developmentUser(_ email: String, default defaultUser: User?) -> User? {
        let trimmed = email.trimmingCharacters(in: .whitespaces).lowercased()
        guard (3...254).contains(trimmed.count), trimmed.filter({ $0 == "@" }).count == 1, !trimmed.hasPrefix("@"), !trimmed.hasSuffix("@"),
            !trimmed.contains(where: { $0.isWhitespace || "<>\"'&;,/\\".contains($0) })
        else { return nil }
        if let defaultUser, defaultUser.email.lowercased() == trimmed { return defaultUser }
        return User(email: trimmed)
    }

    static func oauthError(_ code: String, _ description: String, status: Int = 400) -> (status: Int, json: Data) {
        (status, json(["error": code, "error_description": description]))
    }

    static func randomToken() -> String {
        Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    /// Eight characters from an alphabet without vowels or look-alikes, as `XXXX-XXXX` (RFC 8628 §6.1).
    static func randomUserCode() -> String {
        let alphabet = Array("BCDFGHJKLMNPQRSTVWXZ")
        var generator = SystemRandomNumberGenerator()
        let chars = (0..<8).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }
        return String(chars[0..<4]) + "-" + String(chars[4..<8])
    }
}
