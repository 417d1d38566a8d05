import Foundation
import LaunchWatchBuiltinProviders
import LaunchWatchCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `launchwatch` command line as a library, so that a team runs its own provider kinds with every
/// command (`run`, `validate`, `providers`, `schema`, `demo`, ...) without a fork.
///
/// ```swift
/// // Sources/my-launchwatch/main.swift
/// import LaunchWatchBuiltinProviders
/// import LaunchWatchCLI
///
/// await LaunchWatchCLI.main(registry: .builtin.adding(StatusPageProvider.self))
/// ```
///
/// - `main` parses the arguments, runs the command and ends the process with the command's exit code
///   (see `launchwatch --help`); it returns only when a command succeeds without calling `exit`.
/// - A registry with refusals (a kind added twice, an invalid kind name) is a mistake in the program,
///   not in its input: `main` prints each and exits with 70 (`EX_SOFTWARE`) before any command runs.
public enum LaunchWatchCLI {
    /// The registry of the running command line: the one given to `main`, the built-in kinds otherwise.
    /// A task-local value, so that every command (and every task it starts) reads the same one.
    @TaskLocal static var registry: ProviderRegistry = .builtin

    /// Runs the command line with `registry`'s provider kinds.
    ///
    /// - Parameter arguments: the arguments without the program's name; `nil` reads the process's own.
    public static func main(registry: ProviderRegistry, arguments: [String]? = nil) async {
        if let report = refusalReport(registry) {
            FileHandle.standardError.write(Data(report.utf8))
            exit(70)
        }
        await $registry.withValue(registry) {
            await LaunchWatchCommand.main(arguments)
        }
    }

    /// What `main` prints before it exits 70, when `registry` refused a kind: one line per refusal.
    static func refusalReport(_ registry: ProviderRegistry) -> String? {
        guard !registry.refusals.isEmpty else { return nil }
        return registry.refusals.map { "error: cannot add a provider kind: \($0.message)\n" }.joined()
    }
}
