import JitsudoCore
import JitsudoStore

extension ChangeListener {
    /// Runs `work` with a wake signal that every notification on this channel (and every reconnect of the listener)
    /// sets, until `work` returns or the task is cancelled; the listener ends with it. The leader's services wait on
    /// their schedule and are woken early this way.
    func waking(_ work: @escaping @Sendable (WakeSignal) async -> Void) async {
        let wake = WakeSignal()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await run { wake.signal() } }
            group.addTask { await work(wake) }
            await group.next()
            group.cancelAll()
        }
    }
}
