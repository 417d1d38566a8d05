// swift-tools-version:6.2
import PackageDescription

/// Under CI (`CI` set, as `.ci/run` does) every warning in this package's own targets is an error.
let strictSettings: [SwiftSetting] = Context.environment["CI"] != nil ? [.treatAllWarnings(as: .error)] : []

let package = Package(
    name: "launchwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "launchwatch", targets: ["LaunchWatchRunner"]),
        .library(name: "LaunchWatchCore", targets: ["LaunchWatchCore"]),
        // A team's own launchwatch: LaunchWatchCLI.main(registry: .builtin.adding(MyProvider.self)).
        .library(name: "LaunchWatchCLI", targets: ["LaunchWatchCLI"]),
        .library(name: "LaunchWatchBuiltinProviders", targets: ["LaunchWatchBuiltinProviders"]),
        .library(name: "LaunchWatchReplay", targets: ["LaunchWatchReplay"]),
        .library(name: "LaunchWatchTesting", targets: ["LaunchWatchTesting"]),
        .library(name: "LaunchWatchEmulator", targets: ["LaunchWatchEmulator"]),
        .library(name: "LaunchWatchGoogleCloud", targets: ["LaunchWatchGoogleCloud"]),
        .library(name: "LaunchWatchVertexREST", targets: ["LaunchWatchVertexREST"]),
        .library(name: "LaunchWatchVertexGcloud", targets: ["LaunchWatchVertexGcloud"]),
        .library(name: "LaunchWatchWandb", targets: ["LaunchWatchWandb"]),
        .library(name: "LaunchWatchCloudLogging", targets: ["LaunchWatchCloudLogging"]),
        .library(name: "LaunchWatchCloudRun", targets: ["LaunchWatchCloudRun"]),
        .library(name: "LaunchWatchCommand", targets: ["LaunchWatchCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Without its default traits Hummingbird leaves out swift-configuration, which nothing here uses.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The emulator parses and validates W&B GraphQL documents with it (graphql-js's rules and wording).
        .package(url: "https://github.com/GraphQLSwift/GraphQL", from: "4.3.0"),
        // Without its default traits swift-subprocess leaves out its Foundation conveniences, unused here.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
        // HTTP for every provider: one shared client (see `SharedHTTPClient`). Its only trait,
        // UnstableHTTPAPIsSupport, is off by default and stays off.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0", traits: []),
        // NIOCore's ByteBuffer and deadlines, which async-http-client's API speaks.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        // Runs the command line's watch, sweep and emulator as services, shut down gracefully on SIGINT/SIGTERM.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // `--debug` lines go through a `Logger` in the provider context (see `DebugLogHandler`).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(
            name: "LaunchWatchCore",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Core",
            // A file sees only the members of the modules it imports itself, so one that imports
            // FoundationEssentials cannot quietly use full Foundation through another file's import.
            swiftSettings: strictSettings + [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        // Every child process a provider starts (gcloud, a `command` provider's program) runs through
        // its one bounded runner: a process group, a time limit, output caps, no standard input.
        .target(
            name: "LaunchWatchChildProcess",
            dependencies: [.product(name: "Subprocess", package: "swift-subprocess")],
            path: "Sources/ChildProcess",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchReplay",
            dependencies: ["LaunchWatchCore"],
            path: "Sources/Providers/Replay",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchGoogleCloud",
            dependencies: [
                "LaunchWatchCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                // gcloud (the token fallback, the vertex-gcloud kind) runs through it.
                "LaunchWatchChildProcess",
            ],
            path: "Sources/Providers/GoogleCloud",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchVertexREST",
            dependencies: ["LaunchWatchCore", "LaunchWatchGoogleCloud"],
            path: "Sources/Providers/VertexREST",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchVertexGcloud",
            dependencies: [
                "LaunchWatchCore", "LaunchWatchGoogleCloud", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Providers/VertexGcloud",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchWandb",
            dependencies: ["LaunchWatchCore", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Providers/Wandb",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchCloudLogging",
            dependencies: ["LaunchWatchCore", "LaunchWatchGoogleCloud"],
            path: "Sources/Providers/CloudLogging",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchCloudRun",
            dependencies: ["LaunchWatchCore", "LaunchWatchGoogleCloud"],
            path: "Sources/Providers/CloudRun",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchCommand",
            dependencies: ["LaunchWatchCore", "LaunchWatchChildProcess"],
            path: "Sources/Providers/Command",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchEmulator",
            dependencies: [
                "LaunchWatchCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                // Stops the server gracefully (see `Emulator.run()`); Hummingbird's own dependency.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "GraphQL", package: "GraphQL"),
            ],
            path: "Sources/Emulator",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchBuiltinProviders",
            dependencies: [
                "LaunchWatchCore",
                "LaunchWatchReplay",
                "LaunchWatchVertexREST",
                "LaunchWatchVertexGcloud",
                "LaunchWatchWandb",
                "LaunchWatchCloudLogging",
                "LaunchWatchCloudRun",
                "LaunchWatchCommand",
            ],
            path: "Sources/Providers/Builtin",
            swiftSettings: strictSettings
        ),
        // `launchwatch bench`'s measurements; the CLI's `bench` command reads the options and runs it.
        .target(
            name: "LaunchWatchBench",
            dependencies: ["LaunchWatchCore", "LaunchWatchBuiltinProviders", "LaunchWatchEmulator"],
            path: "Sources/Bench",
            swiftSettings: strictSettings
        ),
        // The command tree as a library, with an injectable registry.
        .target(
            name: "LaunchWatchCLI",
            dependencies: [
                "LaunchWatchCore",
                "LaunchWatchBuiltinProviders",
                "LaunchWatchEmulator",
                "LaunchWatchBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                // `launch` runs the user's command through it directly (see `LaunchedCommand`).
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Sources/CLI",
            swiftSettings: strictSettings
        ),
        // The `launchwatch` executable: the command tree with the built-in kinds.
        .executableTarget(
            name: "LaunchWatchRunner",
            dependencies: ["LaunchWatchCLI", "LaunchWatchBuiltinProviders"],
            path: "Sources/Runner",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchTesting",
            dependencies: [
                "LaunchWatchCore", "LaunchWatchEmulator", .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Sources/Testing",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchCoreTests",
            dependencies: ["LaunchWatchCore", "LaunchWatchTesting"],
            path: "Tests/CoreTests",
            resources: [.copy("InvalidPipelines")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchChildProcessTests",
            dependencies: ["LaunchWatchChildProcess", "LaunchWatchTesting"],
            path: "Tests/ChildProcessTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchReplayTests",
            dependencies: ["LaunchWatchReplay", "LaunchWatchCore", "LaunchWatchTesting"],
            path: "Tests/ReplayProviderTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchEmulatorTests",
            dependencies: [
                "LaunchWatchEmulator", "LaunchWatchCore", "LaunchWatchTesting",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                // Handler tests of the emulator's router and middleware, in-process (no socket).
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/EmulatorTests",
            // The real clients' scripts, run from their source location (see ConformanceSupport).
            exclude: ["Conformance"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchVertexProviderTests",
            dependencies: [
                "LaunchWatchVertexREST", "LaunchWatchVertexGcloud", "LaunchWatchGoogleCloud", "LaunchWatchCore",
                "LaunchWatchTesting", "LaunchWatchEmulator", "LaunchWatchCloudLogging", "LaunchWatchCloudRun",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Tests/VertexProviderTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchWandbProviderTests",
            dependencies: ["LaunchWatchWandb", "LaunchWatchCore", "LaunchWatchTesting"],
            path: "Tests/WandbProviderTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchCloudLoggingProviderTests",
            dependencies: [
                "LaunchWatchCloudLogging", "LaunchWatchCloudRun", "LaunchWatchCore", "LaunchWatchTesting",
                "LaunchWatchGoogleCloud",
            ],
            path: "Tests/CloudLoggingProviderTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchFuzzTests",
            dependencies: [
                "LaunchWatchBuiltinProviders", "LaunchWatchCore", "LaunchWatchVertexREST", "LaunchWatchGoogleCloud",
                "LaunchWatchWandb", "LaunchWatchCloudLogging", "LaunchWatchCloudRun",
            ],
            path: "Tests/FuzzTests",
            resources: [.copy("Seeds")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchCommandProviderTests",
            dependencies: ["LaunchWatchCommand", "LaunchWatchCore", "LaunchWatchTesting"],
            path: "Tests/CommandProviderTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchReliabilityTests",
            dependencies: [
                "LaunchWatchBuiltinProviders", "LaunchWatchCore", "LaunchWatchEmulator", "LaunchWatchTesting",
            ],
            path: "Tests/ReliabilityTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchRunnerTests",
            dependencies: [
                "LaunchWatchRunner", "LaunchWatchCLI", "LaunchWatchBuiltinProviders", "LaunchWatchCore",
                "LaunchWatchTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            path: "Tests/RunnerTests",
            swiftSettings: strictSettings
        ),
    ]
)
