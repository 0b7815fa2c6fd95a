// swift-tools-version:6.2
// Benchmarks live in their own package so `make test` never compiles the benchmark harness.
//   cd Benchmarks && swift package benchmark --target RegoBenchmarks
//   cd Benchmarks && swift run -c release AuditBench
import PackageDescription

let package = Package(
    name: "jitsudo-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "jitsudo", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The two policies of the Rego benchmarks and their inputs, shared by both harnesses.
        .target(name: "BenchmarkPolicies", path: "BenchmarkPolicies"),
        // A plain timing loop (no harness to build): median and p90 µs per decision.
        .executableTarget(
            name: "RegoTiming",
            dependencies: ["BenchmarkPolicies", .product(name: "Rego", package: "jitsudo")],
            path: "RegoTiming"
        ),
        .executableTarget(
            name: "RegoBenchmarks",
            dependencies: [
                "BenchmarkPolicies",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Rego", package: "jitsudo"),
            ],
            path: "RegoBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "AuditBench",
            dependencies: [
                .product(name: "JitsudoCore", package: "jitsudo"),
                .product(name: "JitsudoStore", package: "jitsudo"),
                .product(name: "JitsudoTesting", package: "jitsudo"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "AuditBench"
        ),
    ]
)
