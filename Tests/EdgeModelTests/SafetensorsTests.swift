@testable import EdgeModel
import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

/// Writes a raw safetensors file: u64 header length, header JSON, data bytes.
func writeRawSafetensors(_ dir: URL, _ name: String, json: String, data: [UInt8], declaredLength: UInt64? = nil) throws -> String {
    let header = Array(json.utf8)
    var bytes = LittleEndianBytes()
    bytes.u64(declaredLength ?? UInt64(header.count))
    bytes.bytes(header)
    bytes.bytes(data)
    let path = dir.appendingPathComponent(name).path
    try Data(bytes.buffer).write(to: URL(fileURLWithPath: path))
    return path
}

/// The ModelFormatError thrown by `body`, or nil.
func formatError(_ body: () throws -> Void) -> ModelFormatError? {
    do { try body() } catch let e as ModelFormatError { return e } catch { return nil }
    return nil
}

/// A one-line message that names `path` and contains every fragment.
func expectMessage(_ e: ModelFormatError?, names path: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
    guard let e else {
        Issue.record("expected a ModelFormatError", sourceLocation: sourceLocation)
        return
    }
    let m = e.description
    #expect(!m.contains("\n"), "multi-line message: \(m)", sourceLocation: sourceLocation)
    #expect(m.contains(path), "message does not name \(path): \(m)", sourceLocation: sourceLocation)
    for f in fragments { #expect(m.contains(f), "message lacks '\(f)': \(m)", sourceLocation: sourceLocation) }
}

@Suite struct SafetensorsTests {
    @Test func writerReaderRoundTrip() throws {
        let dir = try TestSupport.temporaryDirectory()
        var w = SafetensorsWriter()
        w.metadata["note"] = "a \"quoted\" value"
        let a: [Float] = (0..<12).map { Float($0) * 0.37 - 1 }
        try w.add("model.a", shape: [3, 4], values: a)
        try w.add("model.h", shape: [12], values: a, as: .f16)
        try w.add("model.b", shape: [2, 6], values: a, as: .bf16)
        let ids: [Int64] = [1, -2, 1 << 40]
        try w.add("ids", dtype: .i64, shape: [3], bytes: ids.withUnsafeBytes { [UInt8]($0) })
        try w.add("empty", shape: [0, 4], values: [])
        let path = dir.appendingPathComponent("m.safetensors").path
        try w.write(to: path)

        let f = try SafetensorsFile(path: path)
        #expect(f.metadata == ["format": "pt", "note": "a \"quoted\" value"])
        #expect(Set(f.tensorNames) == ["model.a", "model.h", "model.b", "ids", "empty"])
        #expect(try f.tensor("model.a").floats() == a)
        #expect(try f.tensor("model.a").shape == [3, 4])
        #expect(try f.tensor("model.h").floats() == a.map { F16.float(bits: F16.bits($0)) })
        #expect(try f.tensor("model.b").floats() == a.map { BF16.float(bits: BF16.bits($0)) })
        #expect(try f.tensor("model.b").dtype == .bf16)
        #expect(try f.tensor("ids").integers() == ids)
        #expect(try f.tensor("empty").floats() == [])
        // Header padded to 8 bytes, as the Python package writes it.
        let raw = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(raw.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } % 8 == 0)
        expectMessage(formatError { _ = try f.tensor("nope") }, names: path, "no tensor named nope")
        expectMessage(formatError { _ = try f.tensor("ids").floats() }, names: path, "I64")
    }

    @Test func truncatedFilesAreErrorsNamingTheFile() throws {
        let dir = try TestSupport.temporaryDirectory()
        var w = SafetensorsWriter()
        try w.add("w", shape: [4, 4], values: [Float](repeating: 1, count: 16))
        let path = dir.appendingPathComponent("t.safetensors").path
        try w.write(to: path)
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        for n in [0, 4, 8, 20, full.count - 1] {
            let cut = dir.appendingPathComponent("cut\(n).safetensors").path
            try full.prefix(n).write(to: URL(fileURLWithPath: cut))
            let e = formatError { _ = try SafetensorsFile(path: cut) }
            expectMessage(e, names: cut)
            if n < 8 { #expect(e?.description.contains("truncated") == true) }
        }
    }

    @Test func headerLengthBeyondFile() throws {
        let dir = try TestSupport.temporaryDirectory()
        let p = try writeRawSafetensors(dir, "h.safetensors", json: "{}", data: [], declaredLength: 5000)
        expectMessage(formatError { _ = try SafetensorsFile(path: p) }, names: p, "truncated", "5008")
        let huge = try writeRawSafetensors(dir, "g.safetensors", json: "{}", data: [], declaredLength: 1 << 62)
        expectMessage(formatError { _ = try SafetensorsFile(path: huge) }, names: huge, "header length")
    }

    @Test func offsetsOutOfBoundsOverlapMismatchAndUnknownDType() throws {
        let dir = try TestSupport.temporaryDirectory()
        let data = [UInt8](repeating: 0, count: 32)
        let oob = try writeRawSafetensors(dir, "oob.safetensors",
            json: #"{"w":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}}"#, data: data)
        expectMessage(formatError { _ = try SafetensorsFile(path: oob) }, names: oob, "tensor w", "[0, 400)", "32-byte")

        let overlap = try writeRawSafetensors(dir, "ov.safetensors",
            json: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#, data: data)
        expectMessage(formatError { _ = try SafetensorsFile(path: overlap) }, names: overlap, "overlapping", "a", "b")

        let mismatch = try writeRawSafetensors(dir, "mm.safetensors",
            json: #"{"w":{"dtype":"F32","shape":[3,3],"data_offsets":[0,16]}}"#, data: data)
        expectMessage(formatError { _ = try SafetensorsFile(path: mismatch) }, names: mismatch, "tensor w", "needs 36 bytes", "16")

        let unknown = try writeRawSafetensors(dir, "u.safetensors",
            json: #"{"w":{"dtype":"F128","shape":[2],"data_offsets":[0,32]}}"#, data: data)
        expectMessage(formatError { _ = try SafetensorsFile(path: unknown) }, names: unknown, "unknown dtype F128", "tensor w")

        let reversed = try writeRawSafetensors(dir, "r.safetensors",
            json: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: data)
        expectMessage(formatError { _ = try SafetensorsFile(path: reversed) }, names: reversed, "tensor w")

        let badJSON = try writeRawSafetensors(dir, "j.safetensors", json: #"{"w": [1, 2"#, data: data)
        expectMessage(formatError { _ = try SafetensorsFile(path: badJSON) }, names: badJSON, "invalid header")

        let notJSON = try writeRawSafetensors(dir, "n.safetensors", json: "GGUF....", data: data)
        expectMessage(formatError { _ = try SafetensorsFile(path: notJSON) }, names: notJSON, "invalid header")

        let missing = dir.appendingPathComponent("missing.safetensors").path
        expectMessage(formatError { _ = try SafetensorsFile(path: missing) }, names: missing, "file not found")
    }

    @Test func shardedCheckpointViaIndex() throws {
        let dir = try TestSupport.temporaryDirectory()
        var a = SafetensorsWriter(), b = SafetensorsWriter()
        try a.add("x", shape: [2], values: [1, 2])
        try b.add("y", shape: [3], values: [3, 4, 5])
        try a.write(to: dir.appendingPathComponent("model-00001-of-00002.safetensors").path)
        try b.write(to: dir.appendingPathComponent("model-00002-of-00002.safetensors").path)
        let index = #"{"metadata":{"total_size":20},"weight_map":{"x":"model-00001-of-00002.safetensors","y":"model-00002-of-00002.safetensors"}}"#
        try Data(index.utf8).write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        let ck = try SafetensorsCheckpoint(directory: dir.path)
        #expect(ck.files.count == 2)
        #expect(ck.tensorNames == ["x", "y"])
        #expect(try ck.tensor("y").floats() == [3, 4, 5])

        // An index that names a tensor its shard lacks.
        let bad = #"{"weight_map":{"x":"model-00002-of-00002.safetensors"}}"#
        let badPath = dir.appendingPathComponent("bad.index.json").path
        try Data(bad.utf8).write(to: URL(fileURLWithPath: badPath))
        expectMessage(formatError { _ = try SafetensorsCheckpoint(indexPath: badPath) }, names: "model-00002-of-00002.safetensors", "no tensor named x")
    }

    @Test func randomCorruptionNeverCrashes() throws {
        let dir = try TestSupport.temporaryDirectory()
        var w = SafetensorsWriter()
        try w.add("a", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        try w.add("b", shape: [4], values: [1, 2, 3, 4], as: .bf16)
        let path = dir.appendingPathComponent("c.safetensors").path
        try w.write(to: path)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var rng = SplitMix64(seed: 11)
        for i in 0..<300 {
            var bytes = good
            for _ in 0..<(1 + rng.nextInt(below: 3)) { bytes[rng.nextInt(below: bytes.count)] = UInt8(rng.nextInt(below: 256)) }
            let p = dir.appendingPathComponent("c\(i).safetensors").path
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            if let f = try? SafetensorsFile(path: p) {
                for n in f.tensorNames { _ = try? f.tensor(n).floats() }
            }
        }
    }

    @Test func fixtureBF16IsTheF32FixtureRoundedToNearestEven() throws {
        let f32 = try SafetensorsFile(path: TestSupport.fixture("llama/f32/model.safetensors"))
        let bf16 = try SafetensorsFile(path: TestSupport.fixture("llama/bf16/model.safetensors"))
        #expect(f32.tensorNames.count == 1 + 3 * 9 + 2)
        #expect(Set(f32.tensorNames) == Set(bf16.tensorNames))
        for name in f32.tensorNames {
            let a = try f32.tensor(name), b = try bf16.tensor(name)
            #expect(a.dtype == .f32 && b.dtype == .bf16 && a.shape == b.shape)
            // torch's .to(bfloat16) is round-to-nearest-even: our encoder must give the same bits.
            #expect(BF16.encode(try a.floats()) == b.withUnsafeBytes { LlamaCheckpoint.halves($0) }, "\(name)")
        }
    }
}
