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
        .library(name: "LaunchWatchReplay", targets: ["LaunchWatchReplay"]),
        .library(name: "LaunchWatchTesting", targets: ["LaunchWatchTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .target(name: "LaunchWatchCore", path: "Sources/Core", swiftSettings: strictSettings),
        .target(
            name: "LaunchWatchReplay",
            dependencies: ["LaunchWatchCore"],
            path: "Sources/Providers/Replay",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "LaunchWatchRunner",
            dependencies: [
                "LaunchWatchCore",
                "LaunchWatchReplay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Runner",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LaunchWatchTesting", dependencies: ["LaunchWatchCore"], path: "Sources/Testing",
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
            name: "LaunchWatchReplayTests",
            dependencies: ["LaunchWatchReplay", "LaunchWatchCore", "LaunchWatchTesting"],
            path: "Tests/ReplayProviderTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LaunchWatchRunnerTests",
            dependencies: ["LaunchWatchRunner", "LaunchWatchCore"],
            path: "Tests/RunnerTests",
            swiftSettings: strictSettings
        ),
    ]
)
