// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "launchwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "launchwatch", targets: ["LaunchWatchRunner"]),
        .library(name: "LaunchWatchCore", targets: ["LaunchWatchCore"]),
        .library(name: "LaunchWatchReplay", targets: ["LaunchWatchReplay"]),
        .library(name: "LaunchWatchTesting", targets: ["LaunchWatchTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .target(name: "LaunchWatchCore", path: "Sources/Core"),
        .target(
            name: "LaunchWatchReplay",
            dependencies: ["LaunchWatchCore"],
            path: "Sources/Providers/Replay"
        ),
        .executableTarget(
            name: "LaunchWatchRunner",
            dependencies: [
                "LaunchWatchCore",
                "LaunchWatchReplay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Runner"
        ),
        .target(name: "LaunchWatchTesting", dependencies: ["LaunchWatchCore"], path: "Sources/Testing"),
        .testTarget(
            name: "LaunchWatchCoreTests",
            dependencies: ["LaunchWatchCore", "LaunchWatchTesting"],
            path: "Tests/CoreTests",
            resources: [.copy("InvalidPipelines")]
        ),
        .testTarget(
            name: "LaunchWatchReplayTests",
            dependencies: ["LaunchWatchReplay", "LaunchWatchCore", "LaunchWatchTesting"],
            path: "Tests/ReplayProviderTests"
        ),
        .testTarget(
            name: "LaunchWatchRunnerTests",
            dependencies: ["LaunchWatchRunner", "LaunchWatchCore"],
            path: "Tests/RunnerTests"
        ),
    ]
)
