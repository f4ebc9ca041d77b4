// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "tgflow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tgflow", targets: ["tgflow"]),
        .library(name: "TGClient", targets: ["TGClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries, installed by .ci/run with apt-get.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Layers, each depending only on the ones above it (see DESIGN.md).
        .target(name: "TL", dependencies: ["CZlib"]),
        .target(name: "MTCrypto", dependencies: ["COpenSSL"]),
        .target(name: "MTProto", dependencies: ["TL", "MTCrypto", "CZlib"]),
        .target(name: "MTNetwork", dependencies: [
            "MTProto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "TGClient", dependencies: ["MTNetwork", .product(name: "Logging", package: "swift-log")]),
        .target(name: "SessionStore", dependencies: ["TGClient", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "TestDC", dependencies: [
            "MTProto", "MTNetwork", "TL", "MTCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Workflow", dependencies: [
            "TGClient", "SessionStore",
            .product(name: "Yams", package: "Yams"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "tgflow", dependencies: [
            "TL", "TGClient", "SessionStore", "Workflow", "TestDC",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Benchmarks (not tests): `swift run -c release NAME`, each printed beside its
        // Python peer's figure from the same run (see README "Benchmarks").
        .executableTarget(name: "tl-bench", dependencies: ["TL"], path: "Benchmarks/TLBench"),
        .executableTarget(name: "crypto-bench", dependencies: ["MTCrypto"], path: "Benchmarks/CryptoBench"),
        .executableTarget(name: "mtproto-bench", dependencies: ["MTNetwork", "TestDC", .product(name: "NIOCore", package: "swift-nio"),
                                                             .product(name: "NIOPosix", package: "swift-nio")], path: "Benchmarks/MTProtoBench",
                         exclude: ["telethon_network_bench.py", "telethon_session_bench.py"]),
        .executableTarget(name: "login-bench", dependencies: ["TGClient", "SessionStore", "TestDC"], path: "Benchmarks/LoginBench"),

        // Unit tests mirror the modules; IntegrationTests start the test server and Python peers.
        .testTarget(name: "TLTests", dependencies: ["TL"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MTCryptoTests", dependencies: ["MTCrypto"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MTProtoTests", dependencies: ["MTProto"], exclude: ["Fixtures"]),
        .testTarget(name: "MTNetworkTests", dependencies: ["MTNetwork"]),
        .testTarget(name: "TGClientTests", dependencies: ["TGClient"]),
        .testTarget(name: "SessionStoreTests", dependencies: ["SessionStore"]),
        .testTarget(name: "TestDCTests", dependencies: ["TestDC"]),
        .testTarget(name: "WorkflowTests", dependencies: ["Workflow"], exclude: ["Broken"]),
        .testTarget(name: "IntegrationTests", dependencies: ["TestDC", "TGClient", "SessionStore", "Workflow"]),
    ],
    swiftLanguageModes: [.v5]
)
