import Foundation
import JitsudoCore
import JitsudoServer
import JitsudoStore
import PostgresNIO
import Logging
import Synchronization

/// The "secrets never leak" scan of issue 21 over the in-process suites: when `JITSUDO_TEST_LEAK_CAPTURE` names a
/// directory (scripts/run-tests.sh sets one for the whole run), every in-process jitsudod appends there
/// - `logs-<pid>.txt`: every log record down to debug, message and metadata (the console still gets warnings only);
/// - `bodies-<pid>.txt`: the bodies of the error responses the tests receive (``recordErrorBody(status:_:)``);
/// - `metrics-<pid>.txt`: its `/metrics` when it stops;
/// - `sentinels-<pid>.txt`: the secrets it held — the credentials key and every configured client secret, token and
///   password, each issued secret credential still stored (unsealed; not the identifiers beside it) and the mock
///   provider's for every request, and any credential a test received (``recordSentinels(_:)``).
/// scripts/scan-test-leaks.sh, the last group of the run, then looks for every sentinel in everything else.
public enum LeakCapture {
    static let directory: String? = {
        guard let value = ProcessInfo.processInfo.environment["JITSUDO_TEST_LEAK_CAPTURE"], !value.isEmpty else { return nil }
        return value
    }()

    /// Whether this test process captures.
    public static var isOn: Bool { directory != nil }

    private static let files = Mutex<[String: FileHandle]>([:])

    /// Appends `text` and a newline to `<kind>-<pid>.txt`.
    static func append(_ text: String, kind: String) {
        guard let directory else { return }
        files.withLock { open in
            let handle: FileHandle
            if let existing = open[kind] {
                handle = existing
            } else {
                let path = "\(directory)/\(kind)-\(getpid()).txt"
                guard FileManager.default.createFile(atPath: path, contents: nil), let created = FileHandle(forWritingAtPath: path) else { return }
                open[kind] = created
                handle = created
            }
            handle.write(Data((text + "\n").utf8))
        }
    }

    /// The output a `jitsudod` process a test ran (the HA suite's replicas) wrote to `path` from byte `offset` on.
    public static func recordLog(file path: String, from offset: UInt64 = 0) {
        guard isOn, let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd() else { return }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") { append(String(line), kind: "logs") }
    }

    /// A response body a test received with `status`; kept when it is an error.
    public static func recordErrorBody(status: Int, _ body: String) {
        if status >= 400 { append("\(status) \(body)", kind: "bodies") }
    }

    /// A response a test received for `path`: an error body is kept; the secret entries of a grant's credentials
    /// (`GET …/credentials`, 200) become sentinels.
    public static func recordResponse(path: String, status: Int, _ body: String) {
        guard isOn else { return }
        recordErrorBody(status: status, body)
        guard status == 200, path.hasSuffix("/credentials") else { return }
        // api.md §4.2: `{"grant": {"credentials": [{"name", "value"}, …], …}}`.
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any],
            let credentials = (object["grant"] as? [String: Any])?["credentials"] as? [[String: Any]]
        else {
            // Credentials the scan cannot read would be secrets it does not look for: reported, not skipped.
            append("a 200 answer to \(path) holds no credentials list: \(body.prefix(200))", kind: "errors")
            return
        }
        recordSentinels(
            credentials.compactMap { entry in
                guard let name = entry["name"] as? String, isSecret(credentialName: name) else { return nil }
                return entry["value"] as? String
            })
    }

    /// Secrets the scan must not find anywhere: values shorter than 12 characters are too common to be told apart.
    public static func recordSentinels(_ values: [String]) {
        for value in values where value.count >= 12 { append(value, kind: "sentinels") }
    }

    /// Whether an issued credential's entry is a secret (a key, token, secret or password, or a whole kubeconfig) —
    /// not one of the identifiers a grant also carries (account, subscription, scope, region, role, expiry), which
    /// logs and audit details name by design.
    static func isSecret(credentialName name: String) -> Bool {
        let upper = name.uppercased()
        guard !upper.contains("EXPIR") else { return false }
        return ["SECRET", "TOKEN", "PASSWORD"].contains { upper.contains($0) } || upper.hasSuffix("_KEY") || upper == "KUBECONFIG"
    }

    /// The logger an in-process daemon gets while capturing: everything to the capture, warnings also to stderr.
    static func logger(label: String) -> Logger {
        var logger = Logger(label: label) { label in CapturingLogHandler(label: label) }
        logger.logLevel = .debug
        return logger
    }

    /// What `daemon` held, once it stopped serving `baseURL`'s tests: its configured secrets, the credentials its
    /// database still stores and the mock provider's for each of its requests, and its metrics.
    static func collect(from daemon: Daemon, metrics: String?) async {
        if let metrics { append(metrics, kind: "metrics") }
        let configuration = daemon.configuration
        let notifications = configuration.notifications
        recordSentinels([
            configuration.credentialsKey, configuration.oidc.clientSecret, notifications.slack.signingSecret, notifications.slack.botToken,
            notifications.webhook.secret, notifications.smtp.password, configuration.mcp.token,
        ])
        do {
            // A key the vault refuses would leave the stored credentials unread: an error the scan reports, not a skip.
            let vault = try CredentialVault(base64Key: configuration.credentialsKey)
            var values: [String] = []
            for try await (id, sealed) in try await daemon.database.query("SELECT id, credentials_json::text FROM requests").decode(
                (String, String?).self)
            {
                values.append("mock-" + Hashing.sha256Hex("session:" + id).prefix(24))
                if let sealed, let credentials = try? vault.open(sealed) {
                    values += credentials.filter { isSecret(credentialName: $0.key) }.map(\.value)
                }
            }
            recordSentinels(values)
        } catch {
            append("leak capture could not read the credentials of \(daemon.databaseURL.database): \(error)", kind: "errors")
        }
    }
}
