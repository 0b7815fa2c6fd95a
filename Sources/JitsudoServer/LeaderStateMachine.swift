/// One replica's leader election as a pure state machine: what happened goes in, what to do comes out. It performs
/// no I/O and reads no clock; ``LeaderElector`` carries out the actions on its lock connection and feeds back the
/// outcomes. Safety does not rest here but on the advisory lock and the epoch every leader write re-checks; this
/// decides liveness: when to campaign, when to end a stale holder, when to stop leader work and hand over.
public struct LeaderStateMachine: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        /// No lock connection.
        case standby
        /// A lock connection is open: trying for the lock, following whoever holds it (`observed` epoch).
        case campaigning(observed: Int64?)
        /// Holding the lock under `epoch`; leader work runs.
        case leading(epoch: Int64)
        /// Leadership under `epoch` ended, or is being handed over at shutdown (`handOver`: the lock connection is
        /// still open and is released once leader work stopped); leader work is being stopped.
        case steppingDown(epoch: Int64, handOver: Bool)
        /// Shut down; nothing more happens.
        case stopped
    }

    public enum Event: Sendable, Hashable {
        case connected
        case connectFailed
        /// The lock was taken and the epoch bumped to `epoch`.
        case lockWon(epoch: Int64)
        /// Another replica holds the lock; its heartbeat is `heartbeatAgeMilliseconds` old.
        case lockHeld(holder: String, epoch: Int64, heartbeatAgeMilliseconds: Int64)
        /// The stale holder's backend was ended (`true`), or it had recovered (`false`).
        case staleHolderEnded(Bool)
        /// A campaign query failed (the connection broke, or the schema is not there yet).
        case campaignFailed
        /// A heartbeat answered that this replica still leads under its epoch (`true`), or it failed, timed out
        /// or saw a newer epoch (`false`).
        case heartbeat(stillLeader: Bool)
        case leaderWorkStopped
        case shutdown
    }

    /// What happened, for the log and the metrics.
    public enum Note: Sendable, Hashable {
        case following(holder: String, epoch: Int64)
        case staleHolder(holder: String, heartbeatAgeMilliseconds: Int64)
        case acquired(epoch: Int64)
        case lost(epoch: Int64)
        case handedOver(epoch: Int64)
    }

    public enum Action: Sendable, Hashable {
        case openConnection(after: Duration)
        case tryLock(after: Duration)
        case endStaleHolder
        case startLeaderWork(epoch: Int64)
        case heartbeat(after: Duration)
        case stopLeaderWork
        case releaseLock
        case closeConnection
        case note(Note)
    }

    public struct Configuration: Sendable, Hashable {
        /// A holder whose heartbeat is older than this is ended by a standby.
        public var leaseTTLMilliseconds: Int64 = 5_000
        public var heartbeatInterval: Duration = .seconds(1)
        public var pollInterval: Duration = .milliseconds(250)
        public var firstBackoff: Duration = .milliseconds(100)
        public var maximumBackoff: Duration = .seconds(2)
        /// The pause after a failed campaign query before reconnecting.
        public var campaignRetry: Duration = .seconds(1)

        public init() {}
    }

    public let configuration: Configuration
    public private(set) var state: State = .standby
    private var backoff: Duration
    /// Shutdown was asked for while leader work was still stopping.
    private var stopping = false

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        backoff = configuration.firstBackoff
    }

    /// The first actions: connect.
    public func start() -> [Action] { [.openConnection(after: .zero)] }

    /// The epoch this replica leads under, or nil.
    public var leaderEpoch: Int64? {
        if case .leading(let epoch) = state { return epoch }
        return nil
    }

    /// Applies `event`; returns the actions to carry out, in order. Events that make no sense in the current state
    /// (a late heartbeat after stepping down) change nothing.
    public mutating func handle(_ event: Event) -> [Action] {
        switch (state, event) {
        case (.stopped, _):
            return []
        case (.steppingDown, .shutdown):
            stopping = true
            return []
        case (.leading(let epoch), .shutdown):
            state = .steppingDown(epoch: epoch, handOver: true)
            return [.stopLeaderWork]
        case (.campaigning, .shutdown):
            state = .stopped
            return [.closeConnection]
        case (_, .shutdown):
            state = .stopped
            return []
        case (.standby, .connected):
            state = .campaigning(observed: nil)
            backoff = configuration.firstBackoff
            return [.tryLock(after: .zero)]
        case (.standby, .connectFailed):
            let wait = backoff
            backoff = min(backoff * 2, configuration.maximumBackoff)
            return [.openConnection(after: wait)]
        case (.campaigning, .lockWon(let epoch)):
            state = .leading(epoch: epoch)
            return [.note(.acquired(epoch: epoch)), .startLeaderWork(epoch: epoch), .heartbeat(after: .zero)]
        case (.campaigning(let observed), .lockHeld(let holder, let epoch, let age)):
            state = .campaigning(observed: epoch)
            var actions: [Action] = observed == epoch ? [] : [.note(.following(holder: holder, epoch: epoch))]
            if age > configuration.leaseTTLMilliseconds {
                actions += [.note(.staleHolder(holder: holder, heartbeatAgeMilliseconds: age)), .endStaleHolder]
            } else {
                actions.append(.tryLock(after: configuration.pollInterval))
            }
            return actions
        case (.campaigning, .staleHolderEnded(let ended)):
            return [.tryLock(after: ended ? .zero : configuration.pollInterval)]
        case (.campaigning, .campaignFailed):
            state = .standby
            return [.closeConnection, .openConnection(after: configuration.campaignRetry)]
        case (.leading, .heartbeat(stillLeader: true)):
            return [.heartbeat(after: configuration.heartbeatInterval)]
        case (.leading(let epoch), .heartbeat(stillLeader: false)):
            // Close first: the lock ends with the connection, and a standby may take over once the lease ran out;
            // leader work stops meanwhile and every write it still attempts is fenced by the epoch.
            state = .steppingDown(epoch: epoch, handOver: false)
            return [.note(.lost(epoch: epoch)), .closeConnection, .stopLeaderWork]
        case (.steppingDown(let epoch, let handOver), .leaderWorkStopped):
            if handOver {
                state = .stopped
                return [.releaseLock, .note(.handedOver(epoch: epoch)), .closeConnection]
            }
            guard !stopping else {
                state = .stopped
                return []
            }
            state = .standby
            return [.openConnection(after: .zero)]
        default:
            return []
        }
    }
}
