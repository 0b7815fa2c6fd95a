import Testing
@testable import JitsudoAuth
@Test func moduleExists() { _ = JitsudoAuthModule.self }
