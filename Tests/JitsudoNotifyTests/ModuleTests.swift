import Testing
@testable import JitsudoNotify
@Test func moduleExists() { _ = JitsudoNotifyModule.self }
