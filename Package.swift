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
        .executable(name: "jitsudo-fakelet", targets: ["Fakelet"]),
        .library(name: "KubernetesClient", targets: ["KubernetesClient"]),
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
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // JSON from outside, checked for nesting before Foundation's JSONDecoder sees it (JSONNesting.swift).
        .target(name: "BoundedJSON", swiftSettings: strict),
        // YAML from outside, checked for what traps Yams before it becomes values (YAMLText.swift).
        .target(name: "CheckedYAML", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: strict),
        // Domain core: no I/O. Hashing is computation, so Crypto is allowed.
        .target(
            name: "JitsudoCore",
            dependencies: [
                "BoundedJSON", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The Rego engine: a leaf with no package dependencies.
        .target(name: "Rego", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .target(
            name: "JitsudoStore",
            dependencies: [
                "BoundedJSON",
                "JitsudoCore",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // A throw-away or project-folder PostgreSQL cluster (initdb/pg_ctl): for tests and `jitsudod dev` only, never
        // a production code path.
        .target(
            name: "LocalPostgres",
            swiftSettings: strict
        ),
        // Test support only: never linked into an executable.
        .target(
            name: "JitsudoTesting",
            dependencies: [
                "JitsudoStore", "LocalPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Test support only: the real server code in process, for server and CLI tests.
        .target(
            name: "JitsudoServerTesting",
            dependencies: [
                "JitsudoServer", "JitsudoAPI", "JitsudoTesting", "JitsudoCore", "JitsudoStore", "LocalPostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Wire types of /api/v1alpha1, shared by the server and the CLI.
        .target(
            name: "JitsudoAPI",
            dependencies: [
                "BoundedJSON", "JitsudoCore",
            ], swiftSettings: strict),
        // Core request -> Rego input; Rego results -> decisions.
        .target(
            name: "JitsudoPolicy",
            dependencies: ["JitsudoCore", "Rego", .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: strict
        ),
        // Credential providers: the protocol, the durable mock (aws, gcp, azure, kubernetes follow).
        .target(
            name: "JitsudoProviders",
            dependencies: [
                "JitsudoCore", "JitsudoStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // OIDC ID-token verification (discovery, JWKS).
        .target(
            name: "JitsudoAuth",
            dependencies: [
                "BoundedJSON",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // TLS material: loading and hot-reloading certificate/key files, a private CA for `jitsudod init`.
        .target(
            name: "JitsudoTLS",
            dependencies: [
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Notification channels: Slack, webhook (HMAC), SMTP, SIEM (JSON lines, syslog).
        .target(
            name: "JitsudoNotify",
            dependencies: [
                "BoundedJSON",
                "JitsudoCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The Hummingbird application, the workflow service and the background services; the only place that
        // wires implementations together.
        .target(
            name: "JitsudoServer",
            dependencies: [
                "CheckedYAML",
                "BoundedJSON",
                "JitsudoCore", "JitsudoAPI", "JitsudoPolicy", "JitsudoStore", "JitsudoProviders", "JitsudoNotify", "JitsudoAuth",
                "JitsudoTLS", "JitsudoKubernetesProvider", "KubernetesClient", "JitsudoAWSProvider", "JitsudoAzureProvider",
                "JitsudoGCPProvider",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // Development only, used by `jitsudod dev` (and tests): the built-in OIDC issuer and its routes, the local
        // stack and its permissive policies. No production code path depends on it.
        .target(
            name: "JitsudoDevelopment",
            dependencies: [
                "JitsudoCore", "JitsudoStore", "JitsudoServer", "JitsudoAPI", "JitsudoTLS", "JitsudoAuth", "LocalPostgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "jitsudod",
            dependencies: [
                "JitsudoCore",
                "JitsudoStore",
                "JitsudoServer",
                "JitsudoAuth",
                "JitsudoDevelopment",
                "LocalPostgres",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            // The shipped (release) daemon, for its memory at rest (issue 18; BENCHMARKS.md "idle RSS"): lld packs the
            // position-independent executable's ~160,000 relative relocations (RELR: 3.7 MB of `.rela.dyn` that the
            // loader read at every start become 30 KB), and nothing is exported from the executable (the static
            // standard library's `-export-dynamic` put 61,000 symbols in `.dynsym`, 5 MB that `dladdr` walked). Still
            // PIE; idle RSS 47 → 39 MiB.
            linkerSettings: [
                .unsafeFlags(
                    ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"],
                    .when(platforms: [.linux], configuration: .release))
            ]
        ),
        // The `jitsudo` CLI: commands, the API client and output formatting.
        .target(
            name: "JitsudoCLI",
            dependencies: [
                "BoundedJSON",
                "JitsudoAPI", "JitsudoCore", "JitsudoStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "jitsudo",
            dependencies: [
                "JitsudoCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "Operator",
            dependencies: [
                "JitsudoOperator", "KubernetesClient", "JitsudoCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The operator's executor: OperatorCore's steps carried out with KubernetesClient (watches, status, Events,
        // Lease election) and against PostgreSQL for restores; its /healthz, /readyz and /metrics.
        .target(
            name: "JitsudoOperator",
            dependencies: [
                "OperatorCore", "KubernetesClient", "JitsudoStore", "JitsudoCore", "JitsudoTLS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "RegoConformance", dependencies: ["Rego"], swiftSettings: strict),
        // The operator's pure decision core: observe -> decide one step for the Deployment, TLS and restore
        // reconcilers. No I/O and no Kubernetes client; certificates are parsed with swift-certificates.
        .target(
            name: "OperatorCore",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "OperatorCoreTests",
            dependencies: [
                "OperatorCore", "JitsudoTLS",
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strict
        ),
        // The Helm chart, checked with the real helm binary (scripts/ensure-helm.sh) run as a subprocess.
        .testTarget(
            name: "HelmChartTests",
            dependencies: ["OperatorCore", "JitsudoCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // Typed Kubernetes REST client (watch, informer, leases, scale); a leaf that knows nothing of jitsudo.
        .target(
            name: "KubernetesClient",
            dependencies: [
                "CheckedYAML",
                "BoundedJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // Test support: does a kubelet's part against the test API server (bind, Running/Ready, finish deletions, run
        // mapped images as processes, serve their logs). The library holds the logic; `Fakelet` is its thin executable.
        .target(
            name: "FakeletKit",
            dependencies: [
                "BoundedJSON",
                "KubernetesClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "Fakelet",
            dependencies: [
                "FakeletKit", "KubernetesClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Google Cloud REST client (Resource Manager v3 IAM policies, IAM Credentials, OAuth2 tokens from a
        // service-account key or the metadata server); a leaf that knows nothing of jitsudo.
        .target(
            name: "GoogleCloudClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The `gcp` credential provider: time-bound conditional IAM bindings (or impersonation tokens), drift cleanup.
        .target(
            name: "JitsudoGCPProvider",
            dependencies: [
                "JitsudoCore", "JitsudoProviders", "GoogleCloudClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GoogleCloudClientTests",
            dependencies: [
                "GoogleCloudClient", "JitsudoGCPProvider", "JitsudoProviders", "JitsudoCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The `gcp` provider and jitsudod against the contract fake of Tests/Fakes/gcp (held to Google's discovery
        // documents) and, for the conformance test, Google's own Python client.
        .testTarget(
            name: "GCPIntegrationTests",
            dependencies: [
                "JitsudoPolicy",
                "GoogleCloudClient", "JitsudoGCPProvider", "JitsudoProviders", "JitsudoCore", "JitsudoStore", "JitsudoTesting",
                "JitsudoServer", "JitsudoServerTesting", "JitsudoAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The `kubernetes` credential provider: RoleBindings/ClusterRoleBindings per grant, drift reconciliation.
        .target(
            name: "JitsudoKubernetesProvider",
            dependencies: [
                "JitsudoCore", "JitsudoProviders", "JitsudoStore", "KubernetesClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // A small Azure client: Entra tokens (secret, certificate assertion, workload identity), ARM
        // Microsoft.Authorization (role definitions, role assignments, PIM schedule requests), Graph user lookup.
        // A leaf that knows nothing of jitsudo.
        .target(
            name: "AzureClient",
            dependencies: [
                "BoundedJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // SigV4 signing and a small AWS query/JSON-protocol client (STS, IAM, SSO Admin, Identity Store) with the
        // standard credential chain; a leaf that knows nothing of jitsudo.
        .target(
            name: "AWSSigV4",
            dependencies: [
                "BoundedJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The `azure` credential provider: PIM schedule requests or role assignments per grant, drift cleanup.
        .target(
            name: "JitsudoAzureProvider",
            dependencies: [
                "AzureClient", "JitsudoProviders", "JitsudoCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Unit tests of the Azure client and provider: wire formats, names, scopes, retries, assertions. No network.
        .testTarget(
            name: "AzureClientTests",
            dependencies: [
                "AzureClient", "JitsudoAzureProvider", "JitsudoProviders", "JitsudoCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The Azure contract fake (Tests/Fakes/azure, held to Microsoft's SDK) and jitsudod's azure provider against it.
        .testTarget(
            name: "AzureIntegrationTests",
            dependencies: [
                "AzureClient", "JitsudoAzureProvider", "JitsudoProviders", "JitsudoCore", "JitsudoStore", "JitsudoTesting",
                "JitsudoServer", "JitsudoServerTesting", "JitsudoAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The `aws` credential provider: STS sessions (assume_role) or Identity Center assignments, revocation by
        // deny policy, drift cleanup.
        .target(
            name: "JitsudoAWSProvider",
            dependencies: [
                "AWSSigV4", "JitsudoCore", "JitsudoProviders",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AWSSigV4Tests",
            dependencies: ["AWSSigV4"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JitsudoAWSProviderTests",
            dependencies: [
                "JitsudoAWSProvider", "JitsudoProviders", "JitsudoStore", "JitsudoCore", "AWSSigV4", .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: strict),
        // Against moto_server (scripts/ensure-deps.sh) with its IAM checks on, the real `aws` CLI and the `jitsudo` CLI.
        .testTarget(
            name: "AWSIntegrationTests",
            dependencies: [
                "AWSSigV4", "JitsudoAWSProvider", "JitsudoProviders", "JitsudoCore", "JitsudoStore", "JitsudoTesting",
                "JitsudoServer", "JitsudoServerTesting", "JitsudoAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JitsudoCoreTests",
            dependencies: ["JitsudoCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(name: "BoundedJSONTests", dependencies: ["BoundedJSON"], swiftSettings: strict),
        .testTarget(name: "CheckedYAMLTests", dependencies: ["CheckedYAML"], swiftSettings: strict),
        .testTarget(name: "JitsudoPolicyTests", dependencies: ["JitsudoPolicy", "JitsudoCore"], swiftSettings: strict),
        // Unit tests of the server's pure parts (no database, no network).
        .testTarget(name: "FakeletKitTests", dependencies: ["FakeletKit"], swiftSettings: strict),
        .testTarget(
            name: "JitsudoServerTests",
            dependencies: [
                "JitsudoServer", "JitsudoAPI", "JitsudoCore", "JitsudoStore", "JitsudoDevelopment", "JitsudoKubernetesProvider", "JitsudoTesting",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "RegoTests", dependencies: ["Rego"], exclude: ["differential", "known-failures.txt"], resources: [.copy("Cases")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JitsudoAuthTests",
            dependencies: [
                "JitsudoAuth", "JitsudoDevelopment", "JitsudoServerTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JitsudoTLSTests",
            dependencies: [
                .product(name: "SwiftASN1", package: "swift-asn1"),
                "JitsudoTLS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JitsudoNotifyTests",
            dependencies: [
                "JitsudoNotify", "JitsudoCore", "JitsudoStore", "JitsudoTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JitsudoServerIntegrationTests",
            dependencies: [
                "JitsudoServer", "JitsudoAPI", "JitsudoCore", "JitsudoStore", "JitsudoTesting", "JitsudoServerTesting", "LocalPostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JitsudoCLITests",
            dependencies: [
                "JitsudoCLI", "JitsudoAPI", "JitsudoCore", "JitsudoStore", "JitsudoTesting", "JitsudoServer", "JitsudoServerTesting", "JitsudoTLS",
                "JitsudoDevelopment",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "KubernetesClientTests", dependencies: ["KubernetesClient"], swiftSettings: strict),
        // Against the real kube-apiserver of scripts/kube-testenv.sh (JITSUDO_TEST_KUBECONFIG) and real kubectl.
        .testTarget(
            name: "KubernetesIntegrationTests",
            dependencies: [
                "KubernetesClient", "JitsudoKubernetesProvider", "JitsudoProviders", "JitsudoCore", "JitsudoStore", "JitsudoTesting",
                "JitsudoServer", "JitsudoServerTesting", "JitsudoAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The operator against the real kube-apiserver + fakelet of scripts/kube-testenv.sh and a real PostgreSQL.
        .testTarget(
            name: "OperatorIntegrationTests",
            dependencies: [
                "JitsudoOperator", "OperatorCore", "KubernetesClient", "JitsudoStore", "JitsudoTesting", "JitsudoCore", "JitsudoTLS", "LocalPostgres",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The multi-process HA chaos test: its own PostgreSQL cluster, three `jitsudod` processes, an OIDC provider.
        .testTarget(
            name: "JitsudoHATests",
            dependencies: [
                "JitsudoCore", "JitsudoStore", "JitsudoTesting", "JitsudoServerTesting", "LocalPostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "JitsudoStoreIntegrationTests",
            dependencies: ["JitsudoStore", "JitsudoTesting", "JitsudoCore"],
            swiftSettings: strict
        ),
    ]
)
