public import JitsudoProviders
public import Logging
import AWSSigV4
import Foundation

extension AWSProvider {
    /// The `providers.aws.*` settings.
    public struct Configuration: Sendable, Hashable {
        public enum Mode: String, Sendable, Hashable {
            /// STS sessions on a role in the target account.
            case assumeRole = "assume_role"
            /// IAM Identity Center account assignments; no keys are issued.
            case identityCenter = "identity_center"
        }

        /// The relative keys under `providers.aws.` (for `ProviderCatalog`).
        public static let settingKeys = [
            "enabled", "region", "endpoint_url", "mode", "role_arn_template", "max_duration", "allowed_roles", "allowed_accounts",
            "management_role_template", "reconcile_interval", "profile", "shared_credentials_file",
            "identity_center.instance_arn", "identity_center.identity_store_id", "identity_center.permission_sets",
            "identity_center.group", "identity_center.start_url", "identity_center.timeout",
        ]

        public var region = "us-east-1"
        /// One URL for every AWS service called; nil for the real regional endpoints.
        public var endpointURL: String?
        public var mode = Mode.assumeRole
        /// `{scope}` is the account id, `{role}` the requested role.
        public var roleARNTemplate = "arn:aws:iam::{scope}:role/{role}"
        /// The longest grant (`max_duration`, default 12h); longer requests are shortened to it.
        public var maximumDurationSeconds: Int64 = 12 * 3600
        /// Roles requests may name; empty allows any.
        public var allowedRoles: Set<String> = []
        /// Accounts requests may name; empty allows any.
        public var allowedAccounts: Set<String> = []
        /// A role in the target account jitsudod assumes for IAM calls there (`{scope}` is the account); empty uses
        /// jitsudod's own identity (targets in jitsudod's own account).
        public var managementRoleTemplate = ""
        /// Seconds between drift passes on the leader.
        public var reconcileIntervalSeconds: Int64 = 60
        /// The shared-files profile of jitsudod's own identity (overrides `AWS_PROFILE`).
        public var profile = ""
        /// The shared credentials file (overrides `AWS_SHARED_CREDENTIALS_FILE`).
        public var sharedCredentialsFile = ""
        public var identityCenter = IdentityCenter()

        /// The `identity_center.*` settings.
        public struct IdentityCenter: Sendable, Hashable {
            public var instanceARN = ""
            public var identityStoreID = ""
            /// Requested role → permission set ARN.
            public var permissionSets: [String: String] = [:]
            /// When set, assignments go to this identity-store group instead of the requester's user.
            public var group = ""
            /// The access portal's start URL, shown with the grant.
            public var startURL = ""
            /// How long to wait for an assignment to be provisioned.
            public var timeoutSeconds: Int64 = 60
            public init() {}
        }

        public init() {}

        /// Reads and checks `settings`.
        ///
        /// - Throws: ``ProviderSettingsError`` naming the key and the fix.
        public init(settings: ProviderSettings) throws(ProviderSettingsError) {
            region = settings.string("region", default: "us-east-1")
            let endpoint = settings.string("endpoint_url")
            endpointURL = endpoint.isEmpty ? nil : endpoint
            if let endpointURL, !(endpointURL.hasPrefix("http://") || endpointURL.hasPrefix("https://")) {
                throw ProviderSettingsError(key: settings.fullKey("endpoint_url"), "must be an http(s) URL, got '\(endpointURL)'")
            }
            mode = Mode(rawValue: try settings.choice("mode", default: "assume_role", ["assume_role", "identity_center"])) ?? .assumeRole
            roleARNTemplate = settings.string("role_arn_template", default: roleARNTemplate)
            guard roleARNTemplate.contains("{role}") else {
                throw ProviderSettingsError(key: settings.fullKey("role_arn_template"), "must contain {role}, got '\(roleARNTemplate)'")
            }
            maximumDurationSeconds = try settings.durationSeconds("max_duration", default: maximumDurationSeconds)
            allowedRoles = Set(settings.list("allowed_roles"))
            allowedAccounts = Set(settings.list("allowed_accounts"))
            for account in allowedAccounts where !SessionNaming.isAccountID(account) {
                throw ProviderSettingsError(key: settings.fullKey("allowed_accounts"), "must list 12-digit account ids, got '\(account)'")
            }
            managementRoleTemplate = settings.string("management_role_template")
            reconcileIntervalSeconds = try settings.durationSeconds("reconcile_interval", default: 60)
            profile = settings.string("profile")
            sharedCredentialsFile = settings.string("shared_credentials_file")
            identityCenter.instanceARN = settings.string("identity_center.instance_arn")
            identityCenter.identityStoreID = settings.string("identity_center.identity_store_id")
            identityCenter.permissionSets = try settings.pairs("identity_center.permission_sets")
            identityCenter.group = settings.string("identity_center.group")
            identityCenter.startURL = settings.string("identity_center.start_url")
            identityCenter.timeoutSeconds = try settings.durationSeconds("identity_center.timeout", default: 60)
            if mode == .identityCenter {
                for key in ["identity_center.instance_arn", "identity_center.identity_store_id"] where settings.string(key).isEmpty {
                    throw ProviderSettingsError(key: settings.fullKey(key), "is required when mode is identity_center")
                }
                if identityCenter.permissionSets.isEmpty {
                    throw ProviderSettingsError(
                        key: settings.fullKey("identity_center.permission_sets"),
                        "is required when mode is identity_center (role=permission-set-arn,…)")
                }
            }
        }
    }
}

extension AWSProvider {
    /// The provider `settings` describe, signing as jitsudod's identity from the standard chain over `environment`
    /// (the process's, passed in by the executable) with `profile`/`shared_credentials_file` taking precedence.
    ///
    /// - Throws: ``ProviderSettingsError`` naming the key, or `providers.aws` when no credentials can be found.
    public static func make(settings: ProviderSettings, environment: [String: String], logger: Logger) throws(ProviderSettingsError) -> AWSProvider {
        let configuration = try Configuration(settings: settings)
        var environment = environment
        if !configuration.profile.isEmpty || !configuration.sharedCredentialsFile.isEmpty {
            // A profile or file named in jitsudod's configuration wins over keys and tokens in the environment.
            for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE"] { environment[key] = nil }
            if !configuration.profile.isEmpty { environment["AWS_PROFILE"] = configuration.profile }
            if !configuration.sharedCredentialsFile.isEmpty { environment["AWS_SHARED_CREDENTIALS_FILE"] = configuration.sharedCredentialsFile }
        }
        let selected: AWSCredentialChain.Source
        let source: any AWSCredentialSource
        do {
            selected = try AWSCredentialChain.select(environment: environment, readFile: AWSCredentialChain.readIfPresent)
            source = try AWSCredentialChain.source(
                environment: environment, region: configuration.region, endpointURL: configuration.endpointURL,
                logger: logger)
        } catch {
            throw ProviderSettingsError(key: "providers.aws", "has no AWS identity for jitsudod: \(error.message)")
        }
        let runsOnSession: Bool
        switch selected {
        case .environment(let credentials), .sharedFiles(let credentials, _): runsOnSession = credentials.sessionToken != nil
        case .webIdentity, .container: runsOnSession = true
        }
        return AWSProvider(configuration: configuration, credentials: source, runsOnSession: runsOnSession, logger: logger)
    }
}
