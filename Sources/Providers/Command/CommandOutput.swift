import Foundation
import LaunchWatchCore

/// How a run's lines and its ending become observations and errors: each message names the provider
/// id, and everything the program printed is redacted. Holds nothing of the stream, so that the
/// stream's reading task can keep it without keeping the provider alive.
struct CommandOutput: Sendable {
    let id: String
    let program: String
    let mode: CommandProvider.Mode
    let timeout: Duration
    let allowedFacts: Set<String>
    let redactor: SecretRedactor

    /// One stdout line as an observation, redacted; or the error naming the line.
    func readLine(_ line: String, number: Int) throws(ProviderError) -> (
        observation: Observation, retryAfter: Duration?
    ) {
        do {
            var read = try CommandLineRecord.read(line, number: number, allowedFacts: allowedFacts, provider: id)
            read.observation.subject = read.observation.subject.map(redactor.redact)
            if let message = read.observation.detail?.message {
                read.observation.detail?.message = redactor.redact(message)
            }
            read.observation.facts = read.observation.facts.mapValues(redactor.redact)
            return read
        } catch {
            throw redacted(error)
        }
    }

    /// The error for a run that did not end by itself.
    func failure(_ failure: CommandProcess.Failure) -> ProviderError {
        switch failure {
        case .notStarted(let reason):
            return redacted(
                ProviderError(
                    code: .commandNotStarted,
                    message: "\(id): could not start \(programName): \(reason) (run names the program; a relative "
                        + "path is resolved against the pipeline's folder, a bare name is looked up in PATH)"))
        case .timedOut:
            let what =
                mode == .stream
                ? "printed no line for \(DurationText.format(timeout)) (a stream must print at least that often)"
                : "did not finish within \(DurationText.format(timeout))"
            return ProviderError(
                code: .timeout, message: "\(id): \(programName) \(what); it was killed with its process group")
        case .unreadable(let reason):
            return redacted(
                ProviderError(code: .commandOutput, message: "\(id): cannot read \(programName)'s output: \(reason)"))
        case .cancelled:
            return ProviderError(code: .cancelled, message: "\(id): the command was cancelled")
        case .tooMuchOutput(let limit):
            return ProviderError(
                code: .commandOutput,
                message: "\(id): \(programName) printed more than \(limit) in one run, the limit; it was killed with "
                    + "its process group (a poll prints the current status in a line or a few)")
        }
    }

    /// The error for a stream whose oldest lines were dropped, `kept` being the buffer's size.
    func overflowError(dropped: Int, kept: Int) -> ProviderError {
        ProviderError(
            code: .commandOutput,
            message: "\(id): \(programName) printed \(dropped) lines more than the \(kept) kept between two polls; "
                + "the oldest were dropped (print less often, or collect more often with a shorter every)")
    }

    /// The error for a non-zero exit (or a signal), with the last stderr line.
    func exitError(_ outcome: CommandProcess.Outcome) -> ProviderError {
        let how = outcome.signalled ? "was ended by signal \(outcome.status)" : "exited with status \(outcome.status)"
        let said =
            outcome.lastErrorLine.map { ": \(String(redactor.redact($0).prefix(2000)))" }
            ?? " (and printed nothing on stderr)"
        return redacted(ProviderError(code: .commandFailed, message: "\(id): \(programName) \(how)\(said)"))
    }

    private var programName: String {
        program.split(separator: "/").last.map(String.init) ?? "the program"
    }

    private func redacted(_ error: ProviderError) -> ProviderError {
        var error = error
        error.message = redactor.redact(error.message)
        return error
    }
}
