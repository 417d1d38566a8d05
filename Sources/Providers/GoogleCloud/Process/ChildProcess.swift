import Foundation
import LaunchWatchChildProcess

/// Runs one program (gcloud) to its end and returns its exit status and what it printed: a
/// `BoundedProcess` (its own process group, killed with it; both pipes read at once; no standard
/// input; cancellation kills it) with gcloud's bounds:
///
/// - Past `outputLimit` bytes on stdout the program is killed and the run fails with
///   `.tooMuchOutput`; of stderr only the last `keptErrorBytes` are kept (it is read for an error
///   message, never parsed whole).
/// - A program still running after `timeout` is stopped: SIGTERM to its group, then SIGKILL
///   `killGrace` later if anything of it is still there, and the run throws `.timedOut`. A program
///   that ignores SIGTERM (a child inherits ignored signals, and `launchwatch run` ignores SIGTERM)
///   is ended by the SIGKILL: the grace is short.
package struct ChildProcess: Sendable {
    /// How a run that was not stopped ended.
    package struct Output: Sendable {
        /// The exit status, or the signal's number when `signalled`.
        package var status: Int32
        /// Whether a signal ended the program.
        package var signalled: Bool
        package var stdout: Data
        /// The end of what it printed on stderr (at most `keptErrorBytes`).
        package var stderr: Data
    }

    package enum Failure: Error, Sendable, Equatable {
        /// The program could not be started (not found, not executable); the reason says why.
        case notStarted(String)
        /// The program outlived `timeout` and was stopped.
        case timedOut
        /// The awaiting task was cancelled; the program was stopped.
        case cancelled
        /// The program printed more than `outputLimit` bytes on stdout and was killed.
        case tooMuchOutput(limit: Int)
        /// Its output could not be read.
        case unreadable(String)
    }

    package var executable: String
    package var arguments: [String]
    package var environment: [String: String]
    package var timeout: Duration
    /// How long a program gets to end after SIGTERM before it gets SIGKILL.
    package var killGrace: Duration = .seconds(1)
    /// The most stdout may hold. gcloud's JSON for a page of custom jobs is far smaller; the cap
    /// matches the one on HTTP response bodies.
    package var outputLimit = 16 << 20
    /// How much of the end of stderr is kept.
    package static let keptErrorBytes = 64 << 10

    package init(executable: String, arguments: [String], environment: [String: String], timeout: Duration) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.timeout = timeout
    }

    /// Runs the program and waits for it to end.
    package func run() async throws(Failure) -> Output {
        let process = BoundedProcess(
            .path(executable), arguments: arguments, environment: environment, timeLimit: .run(timeout),
            terminationGrace: killGrace)
        let outputLimit = outputLimit
        let outcome: BoundedProcess.Outcome<[UInt8], BoundedProcess.Tail>
        do throws(BoundedProcess.Failure) {
            outcome = try await process.run(
                standardOutput: { try await $0.collect(limit: outputLimit) },
                standardError: { try await $0.tail(keeping: Self.keptErrorBytes) })
        } catch {
            switch error {
            case .notStarted(let reason): throw .notStarted(reason)
            case .timedOut: throw .timedOut
            case .cancelled: throw .cancelled
            case .tooMuchOutput: throw .tooMuchOutput(limit: outputLimit)
            case .unreadable(let reason): throw .unreadable(reason)
            }
        }
        return Output(
            status: outcome.status, signalled: outcome.signalled, stdout: Data(outcome.standardOutput),
            stderr: Data(outcome.standardError.bytes.suffix(Self.keptErrorBytes)))
    }
}
