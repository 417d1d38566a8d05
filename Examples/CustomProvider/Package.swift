// swift-tools-version:6.2
import PackageDescription

/// A team's own build of launchwatch: the built-in provider kinds plus one of its own, without a fork.
/// It depends on launchwatch by path here; a team writes `.package(url: "…/launchwatch", from: "…")`.
let package = Package(
    name: "launchwatch-custom-provider",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "my-launchwatch", targets: ["my-launchwatch"]),
        .library(name: "StatusEndpointProvider", targets: ["StatusEndpointProvider"]),
    ],
    dependencies: [
        .package(name: "launchwatch", path: "../.."),
        // Only for the tests' local status server.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    ],
    targets: [
        // The provider needs only Core: anyone can write one against it.
        .target(
            name: "StatusEndpointProvider",
            dependencies: [.product(name: "LaunchWatchCore", package: "launchwatch")]
        ),
        // The team's launchwatch: the whole command line, with the added kind in its registry.
        .executableTarget(
            name: "my-launchwatch",
            dependencies: [
                "StatusEndpointProvider",
                .product(name: "LaunchWatchCLI", package: "launchwatch"),
                .product(name: "LaunchWatchBuiltinProviders", package: "launchwatch"),
            ]
        ),
        .testTarget(
            name: "StatusEndpointProviderTests",
            dependencies: [
                "StatusEndpointProvider",
                "my-launchwatch",
                .product(name: "LaunchWatchCore", package: "launchwatch"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
    ]
)
