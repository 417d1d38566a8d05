import Foundation

/// The user's launch command, run as a child process whose output launchwatch passes on line by
/// line (whole lines, so they never split a line of the watch's own) and whose standard error's end
/// it keeps, to show again when the command fails.
///
/// The command is found on `PATH` through `/usr/bin/env`, which exits 127 with its own message
/// when there is no such command. Pipes are read on threads of their own: a blocking read must not
/// hold one of the few threads Swift concurrency runs the watch on.
final class LaunchedCommand: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var stderrTail: [String] = []
    private var openStreams = 2
    private var exited = false
    private var waiter: CheckedContinuation<Int32, Never>?

    /// How many of the last standard-error lines are kept.
    static let tailLines = 20

    init(command: [String], environment: [String: String]) {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.environment = environment
        process.standardInput = FileHandle.standardInput
    }

    /// Starts the command; its standard output goes to `output`, its standard error to `errors`.
    func start(output: Output, errors: Output) throws {
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.terminationHandler = { [self] _ in
            lock.lock()
            exited = true
            lock.unlock()
            resumeIfDone()
        }
        try process.run()
        forward(stdoutPipe.fileHandleForReading, to: output, keep: false)
        forward(stderrPipe.fileHandleForReading, to: errors, keep: true)
    }

    /// The command's exit status once it has exited and all its output is passed on; a command
    /// killed by a signal gives 128 + the signal, as shells do.
    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            lock.lock()
            waiter = continuation
            lock.unlock()
            resumeIfDone()
        }
    }

    /// The last lines of the command's standard error.
    var tail: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stderrTail
    }

    private func resumeIfDone() {
        lock.lock()
        guard exited, openStreams == 0, let waiter else {
            lock.unlock()
            return
        }
        self.waiter = nil
        lock.unlock()
        let status = process.terminationStatus
        waiter.resume(returning: process.terminationReason == .uncaughtSignal ? 128 + status : status)
    }

    private func forward(_ handle: FileHandle, to output: Output, keep: Bool) {
        let thread = Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                guard let newline = pending.lastIndex(of: UInt8(ascii: "\n")) else { continue }
                let complete = pending[...newline]
                pending = Data(pending[(newline + 1)...])
                pass(String(decoding: complete, as: UTF8.self), to: output, keep: keep)
            }
            if !pending.isEmpty { pass(String(decoding: pending, as: UTF8.self) + "\n", to: output, keep: keep) }
            lock.lock()
            openStreams -= 1
            lock.unlock()
            resumeIfDone()
        }
        thread.start()
    }

    private func pass(_ text: String, to output: Output, keep: Bool) {
        output.write(text)
        guard keep else { return }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        lock.lock()
        stderrTail = Array((stderrTail + lines).suffix(Self.tailLines))
        lock.unlock()
    }
}
