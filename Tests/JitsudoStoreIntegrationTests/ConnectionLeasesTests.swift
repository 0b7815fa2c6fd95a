@testable import JitsudoStore
import JitsudoTesting
import Testing

/// Leases of ``DatabaseConnections``' clients (``ConnectionLeases``): a lease waits while all are leased and takes the
/// first one given back, first come first served; a cancelled wait gives up and takes nothing.
@Suite struct ConnectionLeasesTests {
    static func leases() -> ConnectionLeases { ConnectionLeases(count: 2) }

    @Test func waitingLeasesTakeTheConnectionsGivenBackInTheOrderTheyCame() async throws {
        let leases = Self.leases()
        #expect(try await leases.lease() == 0)
        #expect(try await leases.lease() == 1)
        let first = Task { try await leases.lease() }
        try await waitUntil("one lease waits") { leases.waiting == 1 }
        let second = Task { try await leases.lease() }
        try await waitUntil("two leases wait") { leases.waiting == 2 }

        leases.release(1)
        #expect(try await first.value == 1)
        leases.release(0)
        #expect(try await second.value == 0)
        #expect(leases.waiting == 0)
    }

    @Test func aCancelledWaitTakesNothingAndTheNextLeaseGetsTheConnection() async throws {
        let leases = Self.leases()
        _ = try await leases.lease()
        _ = try await leases.lease()
        let abandoned = Task { try await leases.lease() }
        try await waitUntil("a lease waits") { leases.waiting == 1 }
        abandoned.cancel()
        await #expect(throws: CancellationError.self) { try await abandoned.value }
        #expect(leases.waiting == 0)

        leases.release(0)
        #expect(try await leases.lease() == 0)
    }
}
