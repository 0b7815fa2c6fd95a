import AWSSigV4
import Foundation
import Testing

/// The pure parts of the client: error parsing, retry decisions, XML fields, the credential chain's choice.
@Suite struct AWSClientPartsTests {
    @Test func queryAndJSONErrorsAreParsed() {
        let xml = """
            <ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/x is not \
            authorized to perform: sts:AssumeRole on resource: arn &amp; more</Message></Error></ErrorResponse>
            """
        let error = AWSError.parse(status: 403, body: xml)
        #expect(error.code == "AccessDenied" && error.isAccessDenied && !error.isRetryable)
        #expect(error.message.hasSuffix("arn & more"))
        let json = AWSError.parse(status: 400, body: #"{"__type":"com.amazonaws.sso#ThrottlingException","message":"slow down"}"#)
        #expect(json.code == "ThrottlingException" && json.isRetryable && json.message == "slow down")
        #expect(AWSError.parse(status: 503, body: "<html>").isRetryable)
        #expect(AWSError.parse(status: 404, body: #"{"__type":"ResourceNotFoundException"}"#).isNotFound)
    }

    @Test func retriesBackOffWithJitterWithinTheCeiling() {
        let policy = RetryPolicy(maximumAttempts: 4, baseDelay: .milliseconds(100), maximumDelay: .seconds(1))
        let throttled = AWSError(code: "Throttling", message: "", status: 400)
        #expect(policy.shouldRetry(after: 1, throttled) && policy.shouldRetry(after: 3, throttled) && !policy.shouldRetry(after: 4, throttled))
        #expect(!policy.shouldRetry(after: 1, AWSError(code: "AccessDenied", message: "", status: 403)))
        #expect(policy.delay(after: 1, fraction: 1) == .milliseconds(100))
        #expect(policy.delay(after: 3, fraction: 1) == .milliseconds(400))
        #expect(policy.delay(after: 3, fraction: 0.5) == .milliseconds(200))
        #expect(policy.delay(after: 30, fraction: 1) == .seconds(1))
        #expect(policy.delay(after: 2, fraction: 0) == .zero)
    }

    @Test func xmlFieldsAreReadInOrderWithEntitiesDecoded() {
        let xml = "<A><RoleName>one</RoleName><RoleName>t&lt;w&#x6F;</RoleName></A>"
        #expect(XMLFields.all("RoleName", in: xml) == ["one", "t<wo"])
        #expect(XMLFields.first("Missing", in: xml) == nil)
    }

    @Test func theChainPrefersEnvironmentKeysThenWebIdentityThenProfilesThenContainer() throws {
        let files = [
            "/h/.aws/credentials":
                "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n[ops]\naws_access_key_id=AKIAOPS\naws_secret_access_key=o\n"
        ]
        let read: (String) -> String? = { files[$0] }
        #expect(
            try AWSCredentialChain.select(
                environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "e", "HOME": "/h"],
                readFile: read) == .environment(.init(accessKeyID: "AKIAENV", secretAccessKey: "e")))
        #expect(
            try AWSCredentialChain.select(environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_ROLE_ARN": "arn:r", "HOME": "/h"], readFile: read)
                == .webIdentity(roleARN: "arn:r", tokenFile: "/t", sessionName: "jitsudod"))
        #expect(
            try AWSCredentialChain.select(environment: ["AWS_PROFILE": "ops", "HOME": "/h"], readFile: read)
                == .sharedFiles(.init(accessKeyID: "AKIAOPS", secretAccessKey: "o"), profile: "ops"))
        #expect(
            try AWSCredentialChain.select(environment: ["HOME": "/h"], readFile: read)
                == .sharedFiles(.init(accessKeyID: "AKIADEFAULT", secretAccessKey: "d"), profile: "default"))
        #expect(
            try AWSCredentialChain.select(
                environment: [
                    "HOME": "/none", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/c",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/tok",
                ], readFile: read)
                == .container(url: "http://127.0.0.1:1/c", tokenFile: "/tok", token: nil))
        #expect(throws: AWSError.self) { try AWSCredentialChain.select(environment: ["HOME": "/none"], readFile: read) }
    }

    @Test func temporaryCredentialsAreRefreshedBeforeTheyExpire() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let credentials = AWSCredentials(accessKeyID: "ASIA", secretAccessKey: "s", sessionToken: "t", expiration: now.addingTimeInterval(600))
        #expect(!credentials.needsRefresh(at: now))
        #expect(credentials.needsRefresh(at: now.addingTimeInterval(301)))
        #expect(!AWSCredentials(accessKeyID: "AKIA", secretAccessKey: "s").needsRefresh(at: .distantFuture))
        #expect(String(describing: credentials) == "AWSCredentials(ASIA…)")
    }
}
