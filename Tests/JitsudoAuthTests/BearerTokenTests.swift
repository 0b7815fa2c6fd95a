import Foundation
import Testing

@testable import JitsudoAuth

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

    /// The byte reading of ASCII headers gives exactly the character reading's answers: the same token, or the same
    /// error code. Every header of up to three pieces (7,240 of them), from the pieces that matter: scheme spellings,
    /// ASCII whitespace of both kinds, token characters.
    @Test func asciiHeadersReadAsBytesGetTheCharacterReadingsAnswers() {
        let pieces = [
            "Bearer", "bearer", "BEARER", "Bearer ", "Basic ", " ", "  ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\r\n", "abc", "x.y-z_",
            "eyJhbGciOi", "=", "B", "e",
        ]
        var headers = [""]
        var longest = [""]
        for _ in 0..<3 {
            longest = longest.flatMap { prefix in pieces.map { prefix + $0 } }
            headers += longest
        }
        #expect(headers.count == 7_240)
        for header in headers {
            #expect(
                Self.answer { try BearerToken.parse(authorizationHeader: header) } == Self.answer { try BearerToken.parseText(header) },
                "\(header.debugDescription)")
        }
    }

    @Test func aHeaderThatIsNotASCIIIsReadByCharacters() throws {
        #expect(try BearerToken.parse(authorizationHeader: "\u{A0}Bearer abc\u{2003}") == "abc")
        #expect(throws: AuthError(.malformedToken, "")) { try BearerToken.parse(authorizationHeader: "Bearer ab\u{85}c") }
        #expect(throws: AuthError(.missingToken, "")) { try BearerToken.parse(authorizationHeader: "Béarer abc") }
    }

    private static func answer(_ parse: () throws -> String) -> String {
        do { return "token " + (try parse()) } catch let error as AuthError { return "error \(error.code)" } catch { return "other \(error)" }
    }
}
