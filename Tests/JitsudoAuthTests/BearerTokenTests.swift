import JitsudoAuth
import Testing

@Suite struct BearerTokenTests {
    @Test func schemeIsCaseInsensitive() throws {
        #expect(try BearerToken.parse(authorizationHeader: "bearer abc.def.ghi") == "abc.def.ghi")
        #expect(try BearerToken.parse(authorizationHeader: "BEARER abc") == "abc")
        #expect(try BearerToken.parse(authorizationHeader: "Bearer   abc  ") == "abc")
    }

    @Test func missingHeaderIsMissingToken() {
        #expect(throws: AuthError(.missingToken, "")) { try BearerToken.parse(authorizationHeader: nil) }
        #expect(throws: AuthError(.missingToken, "")) { try BearerToken.parse(authorizationHeader: "") }
        #expect(throws: AuthError(.missingToken, "")) { try BearerToken.parse(authorizationHeader: "Bearer") }
    }

    @Test func otherSchemesAreRefused() {
        #expect(throws: AuthError(.missingToken, "")) { try BearerToken.parse(authorizationHeader: "Basic dXNlcjpwYXNz") }
    }

    @Test func tokenWithWhitespaceIsMalformed() {
        #expect(throws: AuthError(.malformedToken, "")) { try BearerToken.parse(authorizationHeader: "Bearer abc def") }
    }

    @Test func errorMessagesNeverEchoTheToken() {
        do {
            _ = try BearerToken.parse(authorizationHeader: "Bearer secret-token-value with-space")
            Issue.record("accepted a malformed header")
        } catch let error as AuthError {
            #expect(!error.message.contains("secret-token-value"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
