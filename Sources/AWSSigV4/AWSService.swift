/// What the client needs to know of one AWS service: how it is signed, where it lives and how it is called.
public struct AWSService: Sendable, Hashable {
    /// The SigV4 signing name.
    public var signingName: String
    /// `https://<endpointPrefix>.<region>.amazonaws.com`, or one global host when ``globalHost`` is set.
    public var endpointPrefix: String
    /// The single host of a global service (IAM), signed in `us-east-1`.
    public var globalHost: String?
    /// The query protocol's `Version` (empty for JSON-protocol services).
    public var apiVersion: String
    /// The JSON protocol's `X-Amz-Target` prefix (empty for query-protocol services).
    public var targetPrefix: String

    public static let sts = AWSService(signingName: "sts", endpointPrefix: "sts", apiVersion: "2011-06-15", targetPrefix: "")
    public static let iam = AWSService(
        signingName: "iam", endpointPrefix: "iam", globalHost: "iam.amazonaws.com", apiVersion: "2010-05-08",
        targetPrefix: "")
    public static let ssoAdmin = AWSService(signingName: "sso", endpointPrefix: "sso", apiVersion: "", targetPrefix: "SWBExternalService")
    public static let identityStore = AWSService(
        signingName: "identitystore", endpointPrefix: "identitystore", apiVersion: "",
        targetPrefix: "AWSIdentityStore")

    public init(signingName: String, endpointPrefix: String, globalHost: String? = nil, apiVersion: String, targetPrefix: String) {
        self.signingName = signingName
        self.endpointPrefix = endpointPrefix
        self.globalHost = globalHost
        self.apiVersion = apiVersion
        self.targetPrefix = targetPrefix
    }

    /// The base URL in `region`, or `override` (one URL for every service, as moto or a VPC endpoint proxy serves).
    public func endpoint(region: String, override: String?) -> String {
        if let override, !override.isEmpty { return override.hasSuffix("/") ? String(override.dropLast()) : override }
        if let globalHost { return "https://\(globalHost)" }
        return "https://\(endpointPrefix).\(region).amazonaws.com"
    }

    /// The region requests are signed for: `us-east-1` for global services.
    public func signingRegion(_ region: String) -> String { globalHost == nil ? region : "us-east-1" }
}
