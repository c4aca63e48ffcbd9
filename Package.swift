// swift-tools-version:6.2
import PackageDescription

/// The modules of a line's way from file to store (decoder pools, identity caches, the insert loop) mutate class
/// state for every value of every line: in a release build those accesses are not checked for exclusivity at run
/// time (about 3% of a line's decoding, and 1.5% of an ingest's instructions in the writer and the stage; the
/// compiler still checks what it can statically, and debug builds and the tests keep the run-time checks).
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "flowq",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flowq", targets: ["flowq"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // HTTP for `flowq serve` and the collector's health endpoints; traits off (no swift-configuration).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The node agents' HTTP client (NIO underneath, as the server): URLSession on Linux spent most of an agent's CPU.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // System libraries (C), wrapped as GRDB wraps SQLite.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // Intel's ISA-L: gzip inflating at about three times zlib's speed (GzipSource).
        .systemLibrary(name: "CIsal", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        // SQLite's process-wide configuration (a variadic C call Swift cannot make).
        .systemLibrary(name: "CSQLiteConfig", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // Domain core: no I/O.
        .target(
            name: "FlowLog",
            swiftSettings: hotPath),
        .target(name: "FlowSample", dependencies: ["FlowLog"]),
        .target(name: "FlowQuery", dependencies: ["FlowLog"]),
        .target(name: "FlowPolicy", dependencies: ["FlowLog", .product(name: "Yams", package: "Yams")]),

        // Adapters.
        // Storage ports: what ingest, queries and the report need from a store; no database in their API.
        .target(name: "FlowStore", dependencies: ["FlowLog", "FlowQuery"], swiftSettings: hotPath),
        // The embedded backend: SQLite through GRDB (schema, migrations, dialect, hot insert path).
        .target(
            name: "FlowSQLite",
            dependencies: [
                "FlowLog", "FlowQuery", "FlowStore", "CSQLiteConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: hotPath
        ),
        // The cluster backend: PostgreSQL through postgres-nio (shared dictionaries, COPY, day partitions).
        .target(
            name: "FlowPostgres",
            dependencies: [
                "FlowLog", "FlowQuery", "FlowStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "FlowIngest", dependencies: ["FlowLog", "FlowStore", "CIsal", "CZstd"], swiftSettings: hotPath),
        .target(
            name: "FlowReport",
            dependencies: [
                "FlowLog", "FlowQuery", "FlowStore", "FlowPolicy",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        .target(
            name: "FlowCollector",
            dependencies: [
                "FlowLog", "FlowStore", "FlowIngest", "FlowReport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // The HTTP service: the query API, the Goldmane receiver, health and metrics.
        .target(
            name: "FlowServer",
            dependencies: [
                "FlowLog", "FlowQuery", "FlowStore", "FlowIngest", "FlowReport", "FlowPolicy",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The executable: thin.
        .executableTarget(
            name: "flowq",
            dependencies: [
                "FlowLog", "FlowSample", "FlowQuery", "FlowStore", "FlowSQLite", "FlowPostgres", "FlowIngest", "FlowReport", "FlowCollector", "FlowPolicy",
                "FlowServer", "CZlib", "CZstd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            // A position-dependent executable: the loader has no relative relocations to apply (150,000 in a
            // position-independent one), which took 1.5 ms of every command's start. No dynamic symbol table either:
            // the Swift runtime's start-up `dladdr` walked its 55,341 exported symbols (6% of a command that finds
            // nothing); `.symtab` stays, and crash reports are the same (a fatal error's message and place).
            linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic"])]
        ),

        .target(name: "TestSupport", dependencies: ["FlowStore", "FlowSQLite", "FlowPostgres"], path: "Tests/TestSupport"),
        .testTarget(name: "FlowLogTests", dependencies: ["FlowLog", "FlowSample", "TestSupport"]),
        .testTarget(name: "FlowQueryTests", dependencies: ["FlowQuery", "FlowLog", "FlowStore", "FlowSQLite"]),
        .testTarget(name: "FlowPolicyTests", dependencies: ["FlowPolicy", "FlowLog", "TestSupport"]),
        .testTarget(
            name: "FlowStoreTests",
            dependencies: [
                "FlowStore", "FlowSQLite", "FlowPostgres", "FlowLog", "FlowQuery", "FlowSample", "FlowIngest", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "FlowIngestTests",
            dependencies: ["FlowIngest", "FlowQuery", "FlowStore", "FlowSQLite", "FlowLog", "FlowSample", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "FlowReportTests",
            dependencies: [
                "FlowReport", "FlowStore", "FlowSQLite", "FlowIngest", "FlowLog", "FlowSample", "FlowQuery", "FlowPolicy", "TestSupport",
                .product(name: "Yams", package: "Yams"),
            ]),
        .testTarget(name: "EndToEndTests", dependencies: ["flowq", "TestSupport"]),
    ]
)

// Benchmarks build only on demand: FLOWQ_BENCHMARKS=1 swift build -c release --product decode-benchmark
if Context.environment["FLOWQ_BENCHMARKS"] != nil {
    package.targets.append(
        .executableTarget(
            name: "decode-benchmark",
            dependencies: ["FlowLog", "FlowIngest", "FlowStore", "FlowSQLite", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/DecodeBenchmark"))
    package.products.append(.executable(name: "decode-benchmark", targets: ["decode-benchmark"]))
}

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // Every module a file uses must be imported in that file and declared by its target above.
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.treatAllWarnings(as: .error))
    target.swiftSettings = settings
}
