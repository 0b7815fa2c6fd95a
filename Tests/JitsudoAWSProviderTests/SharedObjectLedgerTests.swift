import AWSSigV4
import JitsudoAWSProvider
import JitsudoCore
import JitsudoProviders
import JitsudoStore
import Logging
import Testing

/// The pure decision of the drift pass over shared objects (Identity Center assignments).
@Suite struct SharedObjectLedgerTests {
    static let now = AuditTimestamp(microsecondsSinceEpoch: 1_000_000_000)
    static func holder(_ token: String, _ id: String, _ state: RequestState, expiresIn seconds: Int64? = 3600) -> RequestRepository.TokenHolder {
        .init(
            revokeToken: token, requestID: id, state: state,
            expiresAt: seconds.map { AuditTimestamp(microsecondsSinceEpoch: now.microseconds + $0 * 1_000_000) })
    }

    @Test func anObjectGoesOnlyWhenJitsudoMadeItAndNoActiveGrantHoldsIt() {
        let ledger = SharedObjectLedger(
            holders: [
                Self.holder("a", "req_new", .revoked), Self.holder("a", "req_old", .revoked),
                Self.holder("b", "req_b2", .active), Self.holder("b", "req_b1", .expired),
                Self.holder("c", "req_c", .active, expiresIn: -1),
            ], issuing: false, now: Self.now)
        #expect(ledger.reasonToRemove("a") == "grant_not_active")
        #expect(ledger.lastHolder["a"] == "req_new", "the newest grant is the one the removal is audited under")
        #expect(ledger.reasonToRemove("b") == nil, "an ACTIVE grant still holds it")
        #expect(ledger.reasonToRemove("c") == "grant_not_active", "an ACTIVE grant past its end holds nothing (fail closed)")
        #expect(ledger.reasonToRemove("standing") == nil, "an object no grant ever had is not jitsudo's")
        #expect(ledger.tokens == ["a", "b", "c"])
    }

    @Test func nothingGoesWhileAGrantOfTheProviderIsBeingIssued() {
        let ledger = SharedObjectLedger(holders: [Self.holder("a", "req_a", .revoked)], issuing: true, now: Self.now)
        #expect(ledger.reasonToRemove("a") == nil)
    }

    @Test func onlyIdentityCenterTokensNameSharedObjects() throws {
        let provider = AWSProvider(
            configuration: try AWSProvider.Configuration(settings: ProviderSettings(provider: "aws", values: ["enabled": "true"])),
            credentials: StaticCredentials(.init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "x")), runsOnSession: false,
            logger: .init(label: "t"))
        #expect(provider.sharesObject(revokeToken: "identity_center|123456789012|arn:ps|USER|u-1"))
        #expect(!provider.sharesObject(revokeToken: "assume_role|arn:aws:iam::123456789012:role/r"))
    }
}
