import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process group of one run (its leader's id once it has started), which may be signalled any
/// number of times, from any task: a signal to a group that is gone does nothing (`ESRCH`), and the
/// group's id stays reserved while any member lives, so it never reaches another program's group.
package final class ProcessGroup: Sendable {
    private let id = Mutex<pid_t?>(nil)

    package init() {}

    /// Records the group's leader; signals before it do nothing.
    package func started(_ pid: pid_t) {
        id.withLock { $0 = pid }
    }

    /// Sends `number` to every process of the group.
    package func signal(_ number: Int32) {
        guard let pid = id.withLock({ $0 }), pid > 0 else { return }
        _ = kill(-pid, number)
    }

    /// SIGKILL to every process of the group.
    package func killAll() {
        signal(SIGKILL)
    }
}
