import Foundation
import Subprocess
import Synchronization

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// The user's launch command, run through swift-subprocess as a child process whose output
/// launchwatch passes on line by line (whole lines, so they never split a line of the watch's own) and
/// whose standard error's end it keeps, to show again when the command fails.
///
/// - The command is found on `PATH` through `/usr/bin/env`, which exits 127 with its own message when
///   there is no such command.
/// - It reads launchwatch's standard input, and leads a process group of its own, as it did when
///   Foundation's `Process` started it: a terminal's Ctrl-C goes to launchwatch, whose watch it
///   interrupts, not to the command. It starts with every signal at its default disposition, whatever
///   launchwatch ignores.
/// - Its output is read by awaiting (no thread is held while it runs), to the end: the run returns
///   only once the command has exited and everything it printed has been passed on.
/// - Cancelling the run (launchwatch itself stopping) stops the command: SIGTERM to its group, then
///   SIGKILL five seconds later if anything of it is still there.
final class LaunchedCommand: Sendable {
    private let command: [String]
    private let environment: [String: String]
    private let stderrTail = Mutex<[String]>([])

    /// How many of the last standard-error lines are kept.
    static let tailLines = 20

    /// Why the command did not run.
    struct NotStarted: Error, Sendable {
        var reason: String
    }

    init(command: [String], environment: [String: String]) {
        self.command = command
        self.environment = environment
    }

    /// Runs the command to its end; its standard output goes to `output`, its standard error to
    /// `errors`. The result is its exit status; a command killed by a signal gives 128 + the signal,
    /// as shells do.
    func run(output: Output, errors: Output) async throws(NotStarted) -> Int32 {
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [
            .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: .seconds(5))
        ]
        var variables: [Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { variables[key] = value }
        }
        let result: ExecutionResult<Void, SequenceOutput, SequenceOutput>
        do {
            result = try await Subprocess.run(
                .path(FilePath("/usr/bin/env")), arguments: Arguments(command), environment: .custom(variables),
                platformOptions: options, input: .currentStandardInput, output: .sequence, error: .sequence
            ) { execution in
                try await withThrowingTaskGroup(of: Void.self) { readers in
                    readers.addTask { try await self.forward(execution.standardOutput, to: output, keep: false) }
                    readers.addTask { try await self.forward(execution.standardError, to: errors, keep: true) }
                    try await readers.waitForAll()
                }
            }
        } catch let error as SubprocessError {
            throw NotStarted(reason: error.description)
        } catch {
            throw NotStarted(reason: "\(error)")
        }
        switch result.terminationStatus {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    /// The last lines of the command's standard error.
    var tail: [String] { stderrTail.withLock { $0 } }

    /// Passes `stream` on in whole lines, as they come; a last line without a newline gets one.
    private func forward(_ stream: SubprocessOutputSequence, to output: Output, keep: Bool) async throws {
        var pending: [UInt8] = []
        for try await chunk in stream {
            chunk.withUnsafeBytes { pending.append(contentsOf: $0) }
            guard let newline = pending.lastIndex(of: UInt8(ascii: "\n")) else { continue }
            pass(String(decoding: pending[...newline], as: UTF8.self), to: output, keep: keep)
            pending.removeFirst(newline + 1)
        }
        if !pending.isEmpty { pass(String(decoding: pending, as: UTF8.self) + "\n", to: output, keep: keep) }
    }

    private func pass(_ text: String, to output: Output, keep: Bool) {
        output.write(text)
        guard keep else { return }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        stderrTail.withLock { $0 = Array(($0 + lines).suffix(Self.tailLines)) }
    }
}
