import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a process a test saw started is still running: for tests that check that nothing of a
/// program outlives its run (a time limit, a cancellation, an output cap).
///
/// ```swift
/// #expect(await ProcessLiveness.ends(pid), "process \(pid) outlived the timeout")
/// ```
public enum ProcessLiveness {
    /// Whether `pid` is gone (or a zombie nobody reaped) within a few seconds. The kernel gives no
    /// notice when a process that is not our child dies, so this looks every 20 ms.
    public static func ends(_ pid: pid_t) async -> Bool {
        for _ in 0..<150 {
            if !isAlive(pid) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !isAlive(pid)
    }

    /// Whether `pid` runs now: a zombie (dead, not yet reaped by its parent) does not.
    public static func isAlive(_ pid: pid_t) -> Bool {
        #if os(Linux)
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
            return state != "Z" && state != "X"
        #else
            return kill(pid, 0) == 0
        #endif
    }
}
