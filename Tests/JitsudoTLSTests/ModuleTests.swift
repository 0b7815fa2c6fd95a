import Testing
@testable import JitsudoTLS
@Test func moduleExists() { _ = JitsudoTLSModule.self }
