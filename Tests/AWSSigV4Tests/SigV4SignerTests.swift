import AWSSigV4
import Foundation
import Testing

/// SigV4 against botocore's `SigV4Auth` (Fixtures/generate_sigv4_cases.py) and the AWS documentation's example.
@Suite struct SigV4SignerTests {
    struct Case: Decodable {
        var name, method, host, path, body, service, region, timestamp: String
        var query: [[String]]
        var headers: [[String]]
        var access_key, secret_key: String
        var token: String?
        var canonical_request, string_to_sign, signature, authorization: String
    }

    static func cases() throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "sigv4-cases", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
    }

    @Test func everyGeneratedRequestSignsAsBotocoreSignsIt() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 500)
        for item in cases {
            let signer = SigV4Signer(
                credentials: AWSCredentials(accessKeyID: item.access_key, secretAccessKey: item.secret_key, sessionToken: item.token),
                region: item.region, service: item.service)
            let request = SigV4Signer.Request(
                method: item.method, host: item.host, path: item.path, query: item.query.map { .init($0[0], $0[1]) },
                headers: item.headers.map { .init($0[0], $0[1]) }, body: Array(Data(base64Encoded: item.body) ?? Data()))
            let prepared = signer.prepared(request, timestamp: item.timestamp)
            let canonical = signer.canonicalRequest(prepared)
            #expect(canonical == item.canonical_request, "\(item.name)")
            let stringToSign = signer.stringToSign(canonicalRequest: canonical, timestamp: item.timestamp)
            #expect(stringToSign == item.string_to_sign, "\(item.name)")
            #expect(signer.signature(stringToSign: stringToSign, timestamp: item.timestamp) == item.signature, "\(item.name)")
            #expect(signer.authorization(prepared, timestamp: item.timestamp) == item.authorization, "\(item.name)")
        }
    }

    /// docs.aws.amazon.com, "Examples of how to derive a signing key" / "Create a canonical request": IAM ListUsers.
    @Test func theDocumentationsWorkedExample() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "iam")
        let request = SigV4Signer.Request(
            method: "GET", host: "iam.amazonaws.com", path: "/",
            query: [.init("Version", "2010-05-08"), .init("Action", "ListUsers")],
            headers: [.init("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
        let prepared = signer.prepared(request, timestamp: "20150830T123600Z")
        let canonical = signer.canonicalRequest(prepared)
        #expect(
            canonical == """
                GET
                /
                Action=ListUsers&Version=2010-05-08
                content-type:application/x-www-form-urlencoded; charset=utf-8
                host:iam.amazonaws.com
                x-amz-date:20150830T123600Z

                content-type;host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        let stringToSign = signer.stringToSign(canonicalRequest: canonical, timestamp: "20150830T123600Z")
        #expect(stringToSign.hasSuffix("\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"))
        #expect(
            signer.signature(stringToSign: stringToSign, timestamp: "20150830T123600Z")
                == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }

    @Test func theUserAgentIsNotSignedAndTheTimestampIsUTC() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s", sessionToken: "tok"), region: "r", service: "sts")
        let signed = signer.sign(.init(method: "POST", host: "h", headers: [.init("User-Agent", "x/1")]), at: Date(timeIntervalSince1970: 0))
        let authorization = signed.headers.first { $0.name == "Authorization" }?.value ?? ""
        #expect(authorization.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"), "\(authorization)")
        #expect(signed.headers.contains(.init("X-Amz-Date", "19700101T000000Z")))
    }
}
