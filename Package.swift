// swift-tools-version:6.2
import PackageDescription

/// Settings every target of ours shares: Swift 6 mode (set by the tools version), strict
/// concurrency, explicit `public import` for dependencies that leak into an API, warnings as errors.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "jitsudo",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jitsudod", targets: ["jitsudod"]),
        .executable(name: "jitsudo", targets: ["jitsudo"]),
        .executable(name: "jitsudo-operator", targets: ["Operator"]),
        .executable(name: "rego-conformance", targets: ["RegoConformance"]),
        .library(name: "JitsudoCore", targets: ["JitsudoCore"]),
        .library(name: "Rego", targets: ["Rego"]),
        .library(name: "JitsudoStore", targets: ["JitsudoStore"]),
        .library(name: "JitsudoTesting", targets: ["JitsudoTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // Domain core: no I/O. Hashing is computation, so Crypto is allowed.
        .target(
            name: "JitsudoCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The Rego engine: a leaf with no package dependencies.
        .target(name: "Rego", swiftSettings: strict),
        .target(
            name: "JitsudoStore",
            dependencies: [
                "JitsudoCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Test support only: never linked into an executable.
        .target(
            name: "JitsudoTesting",
            dependencies: [
                "JitsudoStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "jitsudod",
            dependencies: [
                "JitsudoStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "jitsudo",
            dependencies: [
                "JitsudoCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "Operator",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(name: "RegoConformance", dependencies: ["Rego"], swiftSettings: strict),
        .testTarget(
            name: "JitsudoCoreTests",
            dependencies: ["JitsudoCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(name: "RegoTests", dependencies: ["Rego"], resources: [.copy("Cases")], swiftSettings: strict),
        .testTarget(
            name: "JitsudoStoreIntegrationTests",
            dependencies: ["JitsudoStore", "JitsudoTesting", "JitsudoCore"],
            swiftSettings: strict
        ),
    ]
)

