import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

@Suite struct NpyTests {
    @Test func roundTripsEveryDType() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let arrays: [NpyArray] = [
            .float32(shape: [2, 3], [1, 2, 3, 4, 5, -6.5]),
            .float64(shape: [4], [0.1, 0.2, 1e-300, -3]),
            .int32(shape: [1, 1, 2], [Int32.min, 7]),
            .int64(shape: [], [Int64.max]),
            .float32(shape: [0, 5], []),
        ]
        for (i, a) in arrays.enumerated() {
            let p = dir.appendingPathComponent("a\(i).npy").path
            try Npy.write(a, to: p)
            #expect(try Npy.read(p) == a)
            // Header is 64-byte aligned, as numpy writes it.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: p))
            let headerLen = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect((10 + headerLen) % 64 == 0)
        }
        let t = Tensor(shape: [3], scalars: [1, 2, 3])
        let p = dir.appendingPathComponent("t.npy").path
        try Npy.write(t, to: p)
        #expect(try Npy.readTensor(p) == t)
    }

    @Test func badFilesThrowTypedErrorsWithPath() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.npy").path
        try Npy.write(.float32(shape: [4, 4], [Float](repeating: 1, count: 16)), to: good)
        let data = try Data(contentsOf: URL(fileURLWithPath: good))

        let truncated = dir.appendingPathComponent("trunc.npy").path
        try data.prefix(data.count - 5).write(to: URL(fileURLWithPath: truncated))
        #expect(throws: NpyError.truncated(path: truncated, expectedBytes: data.count, actualBytes: data.count - 5)) {
            try Npy.read(truncated)
        }
        let junk = dir.appendingPathComponent("junk.npy").path
        try Data("hello world, not numpy".utf8).write(to: URL(fileURLWithPath: junk))
        #expect(throws: NpyError.badMagic(path: junk)) { try Npy.read(junk) }

        #expect(throws: NpyError.wrongDType(path: good, expected: "<f8", actual: "<f4")) { try Npy.readTensor64(good) }

        var u8 = data
        let header = String(decoding: u8[10..<74], as: UTF8.self).replacingOccurrences(of: "<f4", with: "|u1")
        u8.replaceSubrange(10..<74, with: Array(header.utf8))
        let bad = dir.appendingPathComponent("u1.npy").path
        try u8.write(to: URL(fileURLWithPath: bad))
        #expect(throws: NpyError.unsupportedDType(path: bad, dtype: "<u1")) { try Npy.read(bad) }

        let missing = dir.appendingPathComponent("missing.npy").path
        #expect(throws: NpyError.self) { try Npy.read(missing) }
        do { _ = try Npy.read(missing); Issue.record("expected an error") } catch {
            #expect("\(error)".contains(missing))
        }
    }
}
