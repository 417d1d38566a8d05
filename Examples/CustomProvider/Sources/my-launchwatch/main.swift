import LaunchWatchBuiltinProviders
import LaunchWatchCLI
import StatusEndpointProvider

// The whole `launchwatch` command line (run, validate, providers, schema, ...), knowing one more kind.
await LaunchWatchCLI.main(registry: .builtin.adding(StatusEndpointProvider.self))
