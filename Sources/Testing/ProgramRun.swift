import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// A program a test ran to its end (a real client, the `launchwatch` binary), through swift-subprocess
/// like every child process of launchwatch, and what it printed.
///
/// ```swift
/// let run = try await ProgramRun.run(python, ["-m", "wandb", "login"], environment: ["HOME": home])
/// #expect(run.status == 0, "\(run.stderr)")
/// ```
public struct ProgramRun: Sendable {
    /// The exit status, or the signal's number when `signalled`.
    public var status: Int32
    public var signalled: Bool
    public var stdout: String
    public var stderr: String

    /// Why a program gave no result.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The most a test keeps of either stream.
    static let outputLimit = 64 << 20

    /// Runs `executable` with `arguments` to its end, in this process's environment with
    /// `environment` laid over it (`inherit: false`: in `environment` alone), standard input empty. A
    /// program still running after `timeout` is killed with its process group, and the run throws.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], inherit: Bool = true,
        timeout: Duration = .seconds(120)
    ) async throws -> ProgramRun {
        var merged = inherit ? ProcessInfo.processInfo.environment : [:]
        for (name, value) in environment { merged[name] = value }
        var variables: [Environment.Key: String] = [:]
        for (name, value) in merged {
            if let key = Environment.Key(rawValue: name) { variables[key] = value }
        }
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .zero)]
        let configuration = Configuration(
            executable: .path(FilePath(executable)), arguments: Arguments(arguments), environment: .custom(variables),
            platformOptions: options)
        return try await withThrowingTaskGroup(of: ProgramRun?.self) { group in
            group.addTask {
                let result = try await Subprocess.run(
                    configuration, input: .none, output: .bytes(limit: outputLimit), error: .bytes(limit: outputLimit))
                let (status, signalled): (Int32, Bool) =
                    switch result.terminationStatus {
                    case .exited(let code): (code, false)
                    case .signaled(let signal): (signal, true)
                    }
                return ProgramRun(
                    status: status, signalled: signalled,
                    stdout: String(decoding: result.standardOutput, as: UTF8.self),
                    stderr: String(decoding: result.standardError, as: UTF8.self))
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            // Cancelling the run (when the timeout came first) kills the program: the teardown above.
            group.cancelAll()
            guard let first else {
                throw Failure(
                    description: "\(executable) \(arguments.joined(separator: " ")) ran longer than \(timeout)")
            }
            return first
        }
    }

    /// `run`, waited for by blocking the calling thread, which must be a thread of its own (as
    /// `Thread { ... }` makes), never one of Swift's cooperative pool: every swift-subprocess run
    /// needs a task of that pool to end, and the pool has one thread per core.
    public static func runBlocking(
        _ executable: String, _ arguments: [String], environment: [String: String], inherit: Bool = true,
        timeout: Duration = .seconds(120)
    ) throws -> ProgramRun {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                box.result = .success(
                    try await run(
                        executable, arguments, environment: environment, inherit: inherit, timeout: timeout))
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        return try box.result?.get() ?? { throw Failure(description: "\(executable) gave no result") }()
    }
}

/// The result of a blocking run, written before the semaphore is signalled and read after.
private final class ResultBox: @unchecked Sendable {
    var result: Result<ProgramRun, any Error>?
}
