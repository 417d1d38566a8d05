import LaunchWatchBuiltinProviders
import LaunchWatchCLI

// The `launchwatch` command: the command tree of LaunchWatchCLI with the built-in provider kinds. A
// team's own build is the same line with its kinds added (see Examples/CustomProvider).
await LaunchWatchCLI.main(registry: .builtin)
