// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks of the engine's hot paths, with ordo-one/benchmark.
//
// A package of its own so that the engine's default build, its tests and CI never
// resolve or build the benchmark tooling: run it from this folder with
// `swift package benchmark`. The engine is a path dependency, so the benchmarks
// always measure the working copy beside them.
let package = Package(
    name: "MarkingBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "marking-engine", path: ".."),
        // The MallocInterposer trait (and no other default trait) gives the malloc
        // counters on Swift 6.3 and keeps the runtime interposer out of the build.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Only for SymmetricKey: the benchmarks build a fixed key ring, so every run
        // measures the same serials and tails.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "MarkingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarkingCore", package: "marking-engine"),
                .product(name: "Emitter", package: "marking-engine"),
                .product(name: "RocksDB", package: "marking-engine"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/MarkingBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
