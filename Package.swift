// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "marking-engine",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "marking-server", targets: ["Server"]),
        .executable(name: "marking-bench", targets: ["Bench"]),
        .library(name: "MarkingCore", targets: ["MarkingCore"]),
        .library(name: "Emitter", targets: ["Emitter"]),
        .library(name: "OwnershipBatch", targets: ["OwnershipBatch"]),
        .library(name: "RocksDB", targets: ["RocksDB"]),
        .library(name: "NATS", targets: ["NATS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CRocksDB",
            pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]
        ),
        .target(name: "RocksDB", dependencies: ["CRocksDB"]),
        .systemLibrary(
            name: "CNATS",
            pkgConfig: "libnats",
            providers: [.apt(["libnats-dev"])]
        ),
        .target(name: "NATS", dependencies: ["CNATS"]),
        .systemLibrary(
            name: "CZint",
            providers: [.apt(["libzint-dev"])]
        ),
        .target(name: "Barcode", dependencies: ["CZint"]),
        .target(name: "Cluster", dependencies: ["MarkingCore", "NATS"]),
        .target(
            name: "MarkingCore",
            dependencies: [
                "RocksDB",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "Emitter", dependencies: ["MarkingCore"]),
        .target(name: "OwnershipBatch", dependencies: ["MarkingCore"]),
        .target(name: "ConsoleProgress"),
        // Every text the system shows, one catalogue per language, below MarkingHTTP and WebApp.
        .target(name: "Texts", resources: [.copy("Resources")]),
        .target(name: "AnalyticsCharts"),
        .target(
            name: "LoadClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .target(
            name: "MarkingHTTP",
            dependencies: [
                "MarkingCore", "Emitter", "OwnershipBatch",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "Texts",
            ]
        ),
        .target(
            name: "WebApp",
            dependencies: [
                "MarkingCore", "Emitter", "OwnershipBatch", "MarkingHTTP", "Barcode", "AnalyticsCharts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                "Texts",
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "Server",
            dependencies: [
                "Cluster", "WebApp",
                "MarkingCore", "Emitter", "OwnershipBatch", "ConsoleProgress", "MarkingHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: [
                "MarkingCore", "Emitter", "OwnershipBatch", "RocksDB", "ConsoleProgress", "LoadClient", "MarkingHTTP", "WebApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Fixtures shared by the test targets (temporary stores, valid BINs and SSCCs,
        // collecting sinks): one copy instead of one per target.
        .target(name: "TestSupport", dependencies: ["MarkingCore", "Emitter", "OwnershipBatch", "RocksDB", "NATS"], path: "Tests/TestSupport"),
        .testTarget(name: "RocksDBTests", dependencies: ["RocksDB", "TestSupport"]),
        .testTarget(name: "NATSTests", dependencies: ["NATS", "TestSupport"]),
        .testTarget(
            name: "ClusterTests",
            dependencies: ["Cluster", "MarkingCore", "Emitter", "OwnershipBatch", "MarkingHTTP", "NATS", "TestSupport"]
        ),
        .testTarget(
            name: "MarkingCoreTests",
            dependencies: ["MarkingCore", "RocksDB", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "EmitterTests", dependencies: ["Emitter", "MarkingCore", "RocksDB", "TestSupport"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Emitter", "MarkingCore", "RocksDB", "TestSupport"]),
        .testTarget(
            name: "MarkingHTTPTests",
            dependencies: [
                "MarkingHTTP", "Emitter", "MarkingCore", "RocksDB", "TestSupport", "AnalyticsCharts", "Texts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        .testTarget(name: "BarcodeTests", dependencies: ["Barcode"]),
        .testTarget(
            name: "LoadClientTests",
            dependencies: [
                "LoadClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "WebAppTests",
            dependencies: [
                "WebApp", "MarkingHTTP", "Emitter", "MarkingCore", "TestSupport", "Texts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "OwnershipBatchTests", dependencies: ["OwnershipBatch", "Emitter", "MarkingCore", "RocksDB", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
