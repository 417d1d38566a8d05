import ArgumentParser
import LaunchWatchCore

/// The exit codes `launchwatch` documents (README, `--help`).
enum ExitStatus {
    static let success: Int32 = 0
    static let launchFailed: Int32 = 1
    static let deadline: Int32 = 2
    static let usage: Int32 = 64
    static let invalidPipeline: Int32 = 65
    static let interrupted: Int32 = 130
    static let terminated: Int32 = 143

    static func code(for result: WatchResult, signal: Int32?) -> Int32 {
        switch result.outcome {
        case .success: success
        case .failure: launchFailed
        case .deadline: deadline
        case .interrupted: signal.map { 128 + $0 } ?? interrupted
        }
    }
}
