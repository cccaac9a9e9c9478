// swift-tools-version:6.0
// TierMem: a tiered memory manager for Linux. Module map and import rules: docs/architecture.md.
import PackageDescription

let package = Package(
    name: "TierMem",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tiermem", targets: ["tiermem"]),
        .library(name: "TierMemModel", targets: ["TierMemModel"]),
        .library(name: "TierMemCore", targets: ["TierMemCore"]),
        .library(name: "TierMemTrace", targets: ["TierMemTrace"]),
        .library(name: "TierMemSim", targets: ["TierMemSim"]),
        .library(name: "TierMem", targets: ["TierMem"]),
        // The C ABI (include/tiermem.h) as a shared library: libTierMemC.so.
        .library(name: "TierMemC", type: .dynamic, targets: ["TierMemC"]),
        // The LD_PRELOAD allocator for unmodified programs: libtiermem-preload.so (docs/preload.md).
        .library(name: "tiermem-preload", type: .dynamic, targets: ["TierMemPreload", "TierMemC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.0"),
    ],
    targets: [
        // C libraries the runtime moves bytes with. Each is a system library found by pkg-config;
        // `scripts/install-deps.sh` installs the Debian packages named under `providers`.
        .systemLibrary(name: "CMemkind", pkgConfig: "memkind", providers: [.apt(["libmemkind-dev"])]),
        .systemLibrary(name: "CPmem", pkgConfig: "libpmem", providers: [.apt(["libpmem-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // What Swift cannot call directly: variadic syscall/ioctl, macros, C globals.
        .target(name: "CTierLinux"),
        // The CPU's CRC-32C instruction, for the trace format's checksums (`CRC32C`).
        .target(name: "CCRC32C"),

        // The forecaster: pure Swift (standard library and Foundation), no C, no ML package.
        .target(name: "TierMemModel"),
        // Rounding (`Double.rounded`) needs libm, which nothing else links into a bare executable.
        .target(name: "TierMemCore", dependencies: ["TierMemModel"], linkerSettings: [.linkedLibrary("m")]),
        .target(name: "TierMemTrace", dependencies: ["TierMemCore", "TierMemModel", "CCRC32C"]),
        .target(name: "TierMemSim", dependencies: ["TierMemCore", "TierMemTrace", "TierMemModel"]),
        .target(
            name: "TierMem",
            dependencies: [
                "TierMemCore", "TierMemModel", "TierMemTrace", "CTierLinux", "CMemkind", "CPmem", "CLZ4", "CZstd",
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(name: "TierMemC", dependencies: ["TierMem", "TierMemCore"]),
        // malloc, free and the rest over the C ABI, for LD_PRELOAD; C, so that it can run before
        // and around the Swift runtime.
        .target(name: "TierMemPreload", dependencies: ["CTierLinux"]),
        .executableTarget(
            name: "tiermem",
            dependencies: [
                "TierMemCore", "TierMemTrace", "TierMemSim", "TierMemModel", "TierMem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Release-built benchmark and fuzz drivers (never timed assertions inside tests).
        .executableTarget(name: "tiermem-bench", dependencies: ["TierMemTrace", "TierMemSim", "TierMemCore", "TierMemModel"], path: "Benchmarks/TraceBench"),
        .executableTarget(
            name: "tiermem-heapbench",
            dependencies: ["TierMem", "CMemkind", .product(name: "Histogram", package: "hdrhistogram-swift")],
            path: "Benchmarks/HeapBench"),
        // The fuzz corpus and checks, shared by the test suite (a short run) and tiermem-fuzz (a long one).
        .target(name: "TierMemFuzzing", dependencies: ["TierMemTrace", "TierMemCore", "TierMemModel"]),
        .executableTarget(name: "tiermem-fuzz", dependencies: ["TierMemFuzzing"], path: "Benchmarks/TraceFuzz"),

        .testTarget(name: "TierMemModelTests", dependencies: ["TierMemModel"]),
        .testTarget(name: "TierMemCoreTests", dependencies: ["TierMemCore"]),
        .testTarget(name: "TierMemTraceTests", dependencies: ["TierMemTrace", "TierMemCore", "TierMemModel", "TierMemFuzzing"]),
        .testTarget(name: "TierMemSimTests", dependencies: ["TierMemSim", "TierMemTrace", "TierMemCore", "TierMemModel"]),
        // Runs the built executable end to end (it is built alongside the tests).
        .testTarget(name: "tiermemTests", dependencies: ["tiermem"]),
        .testTarget(
            name: "TierMemTests",
            dependencies: [
                "TierMem", "TierMemCore", "TierMemTrace", "CTierLinux", "CMemkind", "CPmem", "CLZ4", "CZstd",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
    ]
)
