import LaunchWatchCore

extension ProviderError.Code {
    /// `command_not_started`: the program could not be started (not found, not executable, a
    /// working directory that does not exist).
    public static let commandNotStarted: Self = "command_not_started"
    /// `command_failed`: the program exited with a status other than 0 or was killed by a signal;
    /// the message ends with the last lines it wrote to stderr.
    public static let commandFailed: Self = "command_failed"
    /// `command_output`: the program's output broke the line protocol (a line that is not an
    /// observation, too much output) or could not be read.
    public static let commandOutput: Self = "command_output"
}
