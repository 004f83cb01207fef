import EdgeTensor
import Foundation

/// Helpers shared by the test targets: fixture paths and comparison metrics.
public enum TestSupport {
    /// `Tests/Fixtures` of this checkout, found from this source file's location.
    public static var fixtures: URL {
        URL(fileURLWithPath: #filePath)        // …/Sources/EdgeTestSupport/TestSupport.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Fixtures")
    }

    /// Path of a file under `Tests/Fixtures`.
    public static func fixture(_ relative: String) -> String {
        fixtures.appendingPathComponent(relative).path
    }

    /// A fresh temporary directory (removed by the caller if it cares).
    public static func temporaryDirectory(_ label: String = "edgeagent-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Normalised mean squared error Σ(a−b)² / Σb² (llama.cpp's `nmse`), 0 when both are zero.
    public static func nmse<S, T>(_ a: DenseTensor<S>, _ b: DenseTensor<T>) -> Double {
        precondition(a.shape == b.shape, "nmse: shape mismatch \(a.shape) vs \(b.shape)")
        var num = 0.0, den = 0.0
        for i in 0..<a.count {
            let d = Double(a.scalars[i]) - Double(b.scalars[i])
            num += d * d
            den += Double(b.scalars[i]) * Double(b.scalars[i])
        }
        return den == 0 ? num : num / den
    }

    /// Naive Float64 reference product op(a)·op(b) for checking BLAS wrappers.
    public static func naiveMatmul<S>(_ a: DenseTensor<S>, _ b: DenseTensor<S>,
                                      transposeA: Bool = false, transposeB: Bool = false) -> Tensor64 {
        let at = transposeA ? a.transposed() : a
        let bt = transposeB ? b.transposed() : b
        let (m, k, n) = (at.shape[0], at.shape[1], bt.shape[1])
        var c = Tensor64(zeros: [m, n])
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(at[i, p]) * Double(bt[p, j]) }
                c[i, j] = s
            }
        }
        return c
    }
}
