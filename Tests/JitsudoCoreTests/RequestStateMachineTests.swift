import JitsudoCore
import Testing

typealias Event = RequestStateMachine.Event
typealias Action = RequestStateMachine.Action

/// Every event the machine knows, with representative arguments.
let allEvents: [Event] = [
    .approvalRecorded(approvals: 1, required: 1), .approvalRecorded(approvals: 1, required: 2), .autoApproved, .breakGlass,
    .denied, .grantIssued, .grantFailed, .grantRetried, .revoked, .expired, .extended, .aiApproved, .aiDenied, .aiEscalated,
]

/// The complete table of legal transitions: (from, event) → (to, actions, audit action).
let legal: [(RequestState, Event, RequestState, [Action], String)] = [
    (.pending, .approvalRecorded(approvals: 1, required: 1), .approved, [.issueGrant], "request.approved"),
    (.pending, .approvalRecorded(approvals: 1, required: 2), .pending, [.awaitMoreApprovals], "request.approval_recorded"),
    (.pending, .autoApproved, .approved, [.issueGrant], "request.auto_approved"),
    (.pending, .breakGlass, .approved, [.alertBreakGlass, .issueGrant], "request.approved"),
    (.pending, .denied, .rejected, [], "request.denied"),
    (.pending, .expired, .expired, [], "request.expired"),
    (.pending, .aiApproved, .approved, [.issueGrant], "request.ai_approved"),
    (.pending, .aiDenied, .rejected, [], "request.ai_denied"),
    (.pending, .aiEscalated, .pending, [.awaitMoreApprovals], "request.ai_escalated"),
    (.approved, .grantIssued, .active, [.storeCredentials], "grant.issued"),
    (.approved, .grantFailed, .approved, [.reportProviderFailure], "grant.issue_failed"),
    (.approved, .grantRetried, .approved, [.issueGrant], "request.approved"),
    (.approved, .revoked, .revoked, [.queueRevocation(.revoked)], "grant.revoked"),
    (.active, .revoked, .revoked, [.clearCredentials, .queueRevocation(.revoked)], "grant.revoked"),
    (.active, .expired, .expired, [.clearCredentials, .queueRevocation(.expired)], "grant.expired"),
    (.active, .extended, .active, [.rescheduleExpiry], "grant.extended"),
]

@Suite struct RequestStateMachineTests {
    @Test(arguments: RequestState.allCases)
    func everyEventInEveryStateIsEitherTheTabledTransitionOrACodedError(state: RequestState) throws {
        for event in allEvents {
            var machine = RequestStateMachine(state: state)
            if let row = legal.first(where: { $0.0 == state && $0.1 == event }) {
                let transition = try machine.apply(event)
                #expect(transition.from == state)
                #expect(transition.to == row.2, "\(state) + \(event)")
                #expect(transition.actions == row.3, "\(state) + \(event)")
                #expect(transition.auditAction == row.4, "\(state) + \(event)")
                #expect(machine.state == row.2)
            } else {
                #expect(throws: CoreError(.illegalTransition, "")) { try machine.apply(event) }
                #expect(machine.state == state, "a refused event leaves the state unchanged")
            }
        }
    }

    @Test func terminalStatesNeverMove() {
        for state in RequestState.allCases where state.isTerminal {
            for event in allEvents {
                var machine = RequestStateMachine(state: state)
                #expect(throws: CoreError.self) { try machine.apply(event) }
                #expect(machine.state == state)
            }
        }
    }

    @Test func quorumIsReachedOnlyWhenApprovalsMeetTheRequiredCount() throws {
        var machine = RequestStateMachine(state: .pending)
        #expect(try machine.apply(.approvalRecorded(approvals: 1, required: 3)).to == .pending)
        #expect(try machine.apply(.approvalRecorded(approvals: 2, required: 3)).to == .pending)
        #expect(try machine.apply(.approvalRecorded(approvals: 3, required: 3)).to == .approved)
    }

    @Test func aQuorumBelowOneIsRefused() {
        var machine = RequestStateMachine(state: .pending)
        #expect(throws: CoreError(.invalidArgument, "")) { try machine.apply(.approvalRecorded(approvals: 1, required: 0)) }
        #expect(machine.state == .pending)
    }

    @Test func illegalTransitionMessagesNameTheStateAndWhatIsAllowed() {
        var machine = RequestStateMachine(state: .active)
        do {
            _ = try machine.apply(.autoApproved)
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "request is ACTIVE and cannot be approved; only PENDING requests can be approved")
            #expect(error.context["state"] == "ACTIVE")
        }
        var pending = RequestStateMachine(state: .pending)
        do {
            _ = try pending.apply(.revoked)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("withdrawn with deny"))
        }
    }

    @Test func everyLegalPathFromPendingEndsInATerminalStateOrStaysLive() throws {
        // Walk all event sequences up to length 4 from PENDING: no sequence leaves a terminal state.
        var frontier: [RequestStateMachine] = [RequestStateMachine(state: .pending)]
        for _ in 0..<4 {
            var next: [RequestStateMachine] = []
            for machine in frontier {
                for event in allEvents {
                    var copy = machine
                    if (try? copy.apply(event)) != nil {
                        #expect(!machine.state.isTerminal, "left terminal state \(machine.state) on \(event)")
                        next.append(copy)
                    }
                }
            }
            frontier = next
        }
        #expect(!frontier.isEmpty)
    }

    @Test func stateParsingAcceptsShortLongAndNumericForms() {
        #expect(RequestState(parsing: "active") == .active)
        #expect(RequestState(parsing: "REQUEST_STATE_REVOKED") == .revoked)
        #expect(RequestState(parsing: "4") == .active)
        #expect(RequestState(parsing: "request_state_pending") == .pending)
        #expect(RequestState(parsing: "bogus") == nil)
        #expect(RequestState(parsing: "0") == nil)
    }
}
