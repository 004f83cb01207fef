// swift-tools-version:6.0
// EdgeAgent: fine-tune, serve, check and run function-calling plans on a CPU.
// Layers (dependencies point down only; see DESIGN.md):
//   edgeagent → EdgeTrain → EdgeDistributed → CMPIShim (dlopen of Open MPI)
//   edgeagent → EdgeModel → EdgeTensor → CBLAS / CSentencePiece / CReadline
//   EdgePlan depends on nothing model-related.
import PackageDescription

let package = Package(
    name: "EdgeAgent",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "edgeagent", targets: ["edgeagent"]),
        .library(name: "EdgeTensor", targets: ["EdgeTensor"]),
        .library(name: "EdgeModel", targets: ["EdgeModel"]),
        .library(name: "EdgeOptim", targets: ["EdgeOptim"]),
        .library(name: "EdgeInference", targets: ["EdgeInference"]),
        .library(name: "EdgeTrain", targets: ["EdgeTrain"]),
        .library(name: "EdgePlan", targets: ["EdgePlan"]),
        .library(name: "EdgeReport", targets: ["EdgeReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System libraries (Debian 12: libopenblas-dev liblapacke-dev libsentencepiece-dev libreadline-dev).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
        // C++ shim over libsentencepiece exposing a plain C API.
        .target(
            name: "CSentencePiece",
            path: "Sources/CSentencePiece",
            linkerSettings: [.linkedLibrary("sentencepiece"), .linkedLibrary("sentencepiece_train")]
        ),

        // Open MPI bound at run time (dlopen of libmpi.so.40): builds without MPI; `--distributed mpi` needs it installed.
        .target(name: "CMPIShim", path: "Sources/CMPIShim", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),
        .target(name: "EdgeDistributed", dependencies: ["CMPIShim"]),

        // Hand-written AVX-512/VNNI decode kernels (per-function target attributes, scalar fallbacks).
        .target(name: "CKernels", path: "Sources/CKernels", cSettings: [.unsafeFlags(["-O3"])]),

        .target(name: "EdgeTensor", dependencies: ["CBLAS", "CKernels", .product(name: "Logging", package: "swift-log")]),
        .target(name: "EdgeModel", dependencies: ["EdgeTensor", "CSentencePiece", .product(name: "Logging", package: "swift-log")]),
        .target(name: "EdgeOptim", dependencies: ["EdgeTensor", "CKernels"]),
        .target(name: "EdgeInference", dependencies: ["EdgeModel", "EdgeTensor", "EdgePlan", .product(name: "Logging", package: "swift-log")]),
        .target(name: "EdgeTrain", dependencies: ["EdgeModel", "EdgeOptim", "EdgeTensor", "EdgePlan", "EdgeDistributed",
                                                  .product(name: "Logging", package: "swift-log")]),
        .target(name: "EdgePlan", dependencies: [], resources: []),
        .target(name: "EdgeAgent", dependencies: ["EdgePlan", "EdgeInference", "EdgeModel",
                                                  .product(name: "GRDB", package: "GRDB.swift"),
                                                  .product(name: "Logging", package: "swift-log")]),
        .target(name: "EdgeServer", dependencies: ["EdgeAgent", "EdgeInference", "EdgeModel", "EdgePlan",
                                                   .product(name: "Hummingbird", package: "hummingbird"),
                                                   .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                   .product(name: "Logging", package: "swift-log")]),
        // Run reports: eval.json, comparison table, PNG plots. Reads run files through EdgeTrain's types (one format);
        // the canvas, bitmap font, charts and PNG/zlib encoder use Foundation only (no C, no plotting package).
        .target(name: "EdgeReport", dependencies: ["EdgeTrain"]),
        .target(name: "EdgeTestSupport", dependencies: ["EdgeTensor"], path: "Sources/EdgeTestSupport"),

        .executableTarget(
            name: "edgeagent",
            dependencies: [
                "EdgeTensor", "EdgeModel", "EdgeOptim", "EdgeInference", "EdgeTrain", "EdgeDistributed", "EdgePlan", "EdgeAgent", "EdgeServer", "EdgeReport",
                "CReadline",   // the REPL's line editing and history (ReplCommand.swift)
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "EdgeTensorTests", dependencies: ["EdgeTensor", "EdgeTestSupport", "CBLAS", "CReadline", "CKernels"]),
        .testTarget(name: "EdgeModelTests", dependencies: ["EdgeModel", "EdgeTestSupport"]),
        .testTarget(name: "EdgeOptimTests", dependencies: ["EdgeOptim", "EdgeModel", "EdgeTestSupport", "CKernels"]),
        .testTarget(name: "EdgeInferenceTests", dependencies: ["EdgeInference", "EdgeModel", "EdgeTestSupport"]),
        .testTarget(name: "EdgeTrainTests", dependencies: ["EdgeTrain", "EdgeModel", "EdgeOptim", "EdgeDistributed", "EdgeTestSupport"]),
        // Runs the built `edgeagent` binary (built by `swift build --build-tests`).
        .testTarget(name: "CLITests", dependencies: ["EdgeTestSupport"]),
        .testTarget(name: "EdgePlanTests", dependencies: ["EdgePlan"]),
        .testTarget(name: "EdgeReportTests", dependencies: ["EdgeReport", "EdgeTrain", "EdgeTestSupport"]),
        .testTarget(name: "EdgeAgentTests", dependencies: ["EdgeAgent", "EdgePlan", "EdgeTestSupport"]),
        .testTarget(name: "EdgeServerTests", dependencies: ["EdgeServer", "EdgeAgent", "EdgeModel", "EdgeInference", "EdgeTestSupport",
                                                            .product(name: "Logging", package: "swift-log")]),
    ],
    cxxLanguageStandard: .cxx17
)
