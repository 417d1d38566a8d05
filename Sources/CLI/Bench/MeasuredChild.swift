import Foundation
import LaunchWatchCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a program to its end and measures it as `time -v` would: wall time, CPU time (user +
/// system) and peak resident memory, from `wait4`'s resource usage. swift-subprocess reaps its
/// children itself and reports no usage, so this spawns with `posix_spawn` and waits on
/// a thread of its own (never one of Swift's cooperative pool).
struct MeasuredChild: Sendable {
    struct Result: Sendable {
        /// The exit status, or 128 + the signal's number.
        var status: Int32
        var stdout: Data
        var stderr: Data
        var started: Date
        var ended: Date
        var cpuSeconds: Double
        var peakResidentBytes: Int
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    var executable: String
    var arguments: [String]
    var environment: [String: String]

    func run() async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result { try self.runBlocking() })
            }.start()
        }
    }

    private func runBlocking() throws -> Result {
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        // Close-on-exec from birth (`pipe2`, not `pipe` then `fcntl`): a child started at the same
        // moment by another run must not inherit this one's pipes, or this reader would see the end of
        // output only when that child ends. No lock is needed: swift-subprocess, which starts every
        // other child of this process, makes its pipes close-on-exec in the same way.
        guard Self.closeOnExecPipe(&outPipe) else { throw SpawnError(description: "pipe() failed") }
        guard Self.closeOnExecPipe(&errPipe) else {
            close(outPipe[0])
            close(outPipe[1])
            throw SpawnError(description: "pipe() failed")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        let errors = Drain(errPipe[0])
        let errorThread = Thread { errors.readToEnd() }
        errorThread.start()
        let output = Drain(outPipe[0])
        output.readToEnd()
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let ended = Date()
        errors.waitUntilDone()
        let cpu =
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
        let exited = status & 0x7f == 0
        return Result(
            status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), stdout: output.data, stderr: errors.data,
            started: started, ended: ended, cpuSeconds: cpu, peakResidentBytes: Int(usage.ru_maxrss) * 1024)
    }
}

extension MeasuredChild {
    /// A one-way channel whose ends are close-on-exec from the start where the system can: on Linux a
    /// socket pair made with `SOCK_CLOEXEC` (Swift's Glibc module does not declare `pipe2`, a GNU
    /// extension); elsewhere a pipe, marked just after.
    fileprivate static func closeOnExecPipe(_ fds: inout [Int32]) -> Bool {
        #if os(Linux)
            return socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0
        #else
            guard pipe(&fds) == 0 else { return false }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return true
        #endif
    }
}

/// Reads a file descriptor to its end, then closes it.
private final class Drain: @unchecked Sendable {
    private let fd: Int32
    private let done = DispatchSemaphore(value: 0)
    // Written by the reading thread before `done` is signalled, read only after.
    private(set) var data = Data()

    init(_ fd: Int32) { self.fd = fd }

    func readToEnd() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 {
                data.append(buffer, count: count)
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        close(fd)
        done.signal()
    }

    func waitUntilDone() { done.wait() }
}
