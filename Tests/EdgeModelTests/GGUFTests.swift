@testable import EdgeModel
import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

/// A raw GGUF: header fields as given, one tensor info per entry, data appended after `alignment` padding.
func rawGGUF(version: UInt32 = 3, kv: [(String, GGUFValue)] = [], tensors: [(String, [Int], UInt32, UInt64)],
             data: [UInt8], nTensors: UInt64? = nil, nKV: UInt64? = nil) -> [UInt8] {
    var w = LittleEndianBytes()
    w.bytes(GGUFFile.magic)
    w.u32(version)
    w.u64(nTensors ?? UInt64(tensors.count))
    w.u64(nKV ?? UInt64(kv.count))
    for (k, v) in kv { w.string(k); w.u32(v.type.rawValue); w.value(v) }
    for (name, ne, type, offset) in tensors {
        w.string(name)
        w.u32(UInt32(ne.count))
        for d in ne { w.u64(UInt64(d)) }
        w.u32(type)
        w.u64(offset)
    }
    while w.buffer.count % 32 != 0 { w.buffer.append(0) }
    return w.buffer + data
}

func writeBytes(_ dir: URL, _ name: String, _ bytes: [UInt8]) throws -> String {
    let p = dir.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: p))
    return p
}

@Suite struct GGUFTests {
    static let allValues: [(String, GGUFValue)] = [
        ("u8", .uint8(200)), ("i8", .int8(-5)), ("u16", .uint16(60000)), ("i16", .int16(-300)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-7)), ("u64", .uint64(1 << 40)), ("i64", .int64(-(1 << 40))),
        ("f32", .float32(1e-5)), ("f64", .float64(0.1)), ("yes", .bool(true)), ("s", .string("héllo ✓")),
        ("tokens", .array(.string, [.string("<s>"), .string("a b"), .string("")])),
        ("scores", .array(.float32, [.float32(-1.5), .float32(0)])),
        ("empty", .array(.int32, [])),
        ("nested", .array(.array, [.array(.uint8, [.uint8(1), .uint8(2)]), .array(.uint8, [])])),
    ]

    @Test func writerReaderRoundTrip() throws {
        let dir = try TestSupport.temporaryDirectory()
        var rng = SplitMix64(seed: 5)
        let x = (0..<(3 * 64)).map { _ in Float(rng.normal()) }
        var w = GGUFWriter()
        w.alignment = 64
        for (k, v) in Self.allValues { w.set(k, v) }
        w.set("general.architecture", .string("llama"))
        let types: [TensorDType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1]
        for t in types { try w.addTensor("t.\(t.rawValue)", shape: [3, 64], values: x, as: t) }
        try w.addTensor("vec", shape: [5], values: [1, 2, 3, 4, 5])
        let path = dir.appendingPathComponent("rt.gguf").path
        try w.write(to: path)

        let g = try GGUFFile(path: path)
        #expect(g.version == 3)
        #expect(g.alignment == 64)
        #expect(g.dataOffset % 64 == 0)
        for (k, v) in Self.allValues { #expect(g.metadata[k] == v, "\(k)") }
        #expect(g.metadataKeys.prefix(Self.allValues.count) == Self.allValues.map(\.0)[...])
        #expect(g.metadata["tokens"]?.strings == ["<s>", "a b", ""])
        #expect(g.metadata["scores"]?.floats == [-1.5, 0])
        #expect(try g.int("u64") == 1 << 40)
        #expect(g.architecture == "llama")
        #expect(g.tensorInfos.map(\.name) == types.map { "t.\($0.rawValue)" } + ["vec"])
        for info in g.tensorInfos { #expect(info.offset % 64 == 0) }
        #expect(g.info("t.F32")?.ne == [64, 3])                 // ggml dims fastest first
        #expect(try g.tensor("t.F32").shape == [3, 64])
        #expect(try g.tensor("t.F32").floats() == x)
        #expect(try g.tensor("t.F16").floats() == x.map { F16.float(bits: F16.bits($0)) })
        #expect(try g.tensor("t.BF16").floats() == x.map { BF16.float(bits: BF16.bits($0)) })
        for f in BlockFormat.allCases {
            let t = try g.tensor("t.\(f.rawValue)")
            #expect(t.bytes() == f.quantize(x))                 // quantized bytes accessible as stored
            #expect(try t.floats() == f.dequantize(f.quantize(x)))
        }
        #expect(try g.tensor("vec").floats() == [1, 2, 3, 4, 5])
    }

    @Test func version2IsReadToo() throws {
        let dir = try TestSupport.temporaryDirectory()
        let data = [Float](repeating: 2, count: 4).withUnsafeBytes { [UInt8]($0) }
        let p = try writeBytes(dir, "v2.gguf", rawGGUF(version: 2, kv: [("a", .uint32(1))], tensors: [("w", [4], 0, 0)], data: data))
        let g = try GGUFFile(path: p)
        #expect(g.version == 2)
        #expect(try g.tensor("w").floats() == [2, 2, 2, 2])
    }

    @Test func badMagicVersionAndTruncation() throws {
        let dir = try TestSupport.temporaryDirectory()
        let notGGUF = try writeBytes(dir, "x.gguf", Array("GGML and more bytes".utf8))
        expectMessage(formatError { _ = try GGUFFile(path: notGGUF) }, names: notGGUF, "not a GGUF file", "0x47474d4c")
        let v1 = try writeBytes(dir, "v1.gguf", rawGGUF(version: 1, tensors: [], data: []))
        expectMessage(formatError { _ = try GGUFFile(path: v1) }, names: v1, "unsupported format version 1")
        let empty = try writeBytes(dir, "e.gguf", [])
        expectMessage(formatError { _ = try GGUFFile(path: empty) }, names: empty, "truncated")

        // Every prefix that cuts into the header or the tensor data is an error, never a crash.
        var w = GGUFWriter()
        for (k, v) in Self.allValues { w.set(k, v) }
        try w.addTensor("a", shape: [2, 32], values: [Float](repeating: 1, count: 64), as: .q8_0)
        try w.addTensor("b", shape: [8], values: [Float](repeating: 1, count: 8))
        let good = dir.appendingPathComponent("good.gguf").path
        try w.write(to: good)
        let full = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        let g = try GGUFFile(path: good)
        let end = g.dataOffset + (g.info("b")?.offset ?? 0) + 32
        for n in 0..<end {
            let p = try writeBytes(dir, "cut.gguf", Array(full.prefix(n)))
            let e = formatError { _ = try GGUFFile(path: p) }
            #expect(e != nil, "prefix \(n) of \(full.count) bytes was accepted")
            if n > 0 && n % 37 == 0 { expectMessage(e, names: p) }
        }
    }

    @Test func absurdCountsAreRejectedBeforeAllocating() throws {
        let dir = try TestSupport.temporaryDirectory()
        let p = try writeBytes(dir, "n.gguf", rawGGUF(tensors: [], data: [], nKV: 1 << 60))
        expectMessage(formatError { _ = try GGUFFile(path: p) }, names: p, "truncated", "metadata count")
        let q = try writeBytes(dir, "s.gguf", rawGGUF(kv: [("k", .array(.uint64, []))], tensors: [], data: []).map { $0 })
        _ = try GGUFFile(path: q)
        // A string claiming 2^62 bytes.
        var w = LittleEndianBytes()
        w.bytes(GGUFFile.magic); w.u32(3); w.u64(0); w.u64(1); w.u64(1 << 62)
        w.bytes([UInt8](repeating: 0, count: 16))
        let r = try writeBytes(dir, "l.gguf", w.buffer)
        expectMessage(formatError { _ = try GGUFFile(path: r) }, names: r, "truncated", "metadata key 0 length")
        // Dimensions whose product overflows.
        let big = Int(Int32.max)
        let d = try writeBytes(dir, "d.gguf", rawGGUF(tensors: [("w", [big, big, big, big], 0, 0)], data: []))
        expectMessage(formatError { _ = try GGUFFile(path: d) }, names: d, "tensor w has absurd dimensions")
    }

    @Test func tensorOffsetsOutOfBoundsMisalignedOrOverlapping() throws {
        let dir = try TestSupport.temporaryDirectory()
        let data = [UInt8](repeating: 0, count: 64)
        let oob = try writeBytes(dir, "oob.gguf", rawGGUF(tensors: [("w", [32], 0, 32)], data: data))
        expectMessage(formatError { _ = try GGUFFile(path: oob) }, names: oob, "tensor w", "[32, 160)", "64-byte")
        let far = try writeBytes(dir, "far.gguf", rawGGUF(tensors: [("w", [4], 0, 1 << 40)], data: data))
        expectMessage(formatError { _ = try GGUFFile(path: far) }, names: far, "tensor w")
        let mis = try writeBytes(dir, "mis.gguf", rawGGUF(tensors: [("w", [4], 0, 4)], data: data))
        expectMessage(formatError { _ = try GGUFFile(path: mis) }, names: mis, "tensor w", "alignment")
        let ov = try writeBytes(dir, "ov.gguf", rawGGUF(tensors: [("a", [16], 0, 0), ("b", [4], 0, 32)], data: data))
        expectMessage(formatError { _ = try GGUFFile(path: ov) }, names: ov, "overlapping", "a", "b")
        let dims = try writeBytes(dir, "d.gguf", rawGGUF(tensors: [("w", [1, 1, 1, 1, 1], 0, 0)], data: data))
        expectMessage(formatError { _ = try GGUFFile(path: dims) }, names: dims, "tensor w", "5 dims")
        let partial = try writeBytes(dir, "p.gguf", rawGGUF(tensors: [("w", [48], 8, 0)], data: data))
        expectMessage(formatError { _ = try GGUFFile(path: partial) }, names: partial, "tensor w", "Q8_0", "not whole blocks")
    }

    @Test func unsupportedQuantTypeIsAnErrorOnlyWhenRead() throws {
        let dir = try TestSupport.temporaryDirectory()
        // Q6_K (type 14): 256 values per 210-byte block; plus one F32 tensor that stays readable.
        let p = try writeBytes(dir, "k.gguf", rawGGUF(tensors: [("blk.0.attn_q.weight", [256, 2], 14, 0), ("ok", [4], 0, 448)],
                                                      data: [UInt8](repeating: 0, count: 464)))
        let g = try GGUFFile(path: p)
        #expect(try g.tensor("ok").floats() == [0, 0, 0, 0])
        expectMessage(formatError { _ = try g.tensor("blk.0.attn_q.weight") }, names: p,
                      "unsupported quant type Q6_K in tensor blk.0.attn_q.weight")
        // An unknown type code (size unknown) is also reported when read, by number.
        let u = try writeBytes(dir, "u.gguf", rawGGUF(tensors: [("w", [32], 99, 0)], data: [UInt8](repeating: 0, count: 32)))
        expectMessage(formatError { _ = try GGUFFile(path: u).tensor("w") }, names: u, "unsupported quant type type 99 in tensor w")
    }

    @Test func randomCorruptionNeverCrashes() throws {
        let dir = try TestSupport.temporaryDirectory()
        var w = GGUFWriter()
        for (k, v) in Self.allValues { w.set(k, v) }
        try w.addTensor("a", shape: [2, 32], values: (0..<64).map { Float($0) }, as: .q4_1)
        try w.addTensor("b", shape: [3], values: [1, 2, 3])
        let path = dir.appendingPathComponent("c.gguf").path
        try w.write(to: path)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // Every header byte set to 0x00, 0x7F, 0xFF in turn.
        let header = try GGUFFile(path: path).dataOffset
        for pos in 0..<header {
            for v: UInt8 in [0x00, 0x7F, 0xFF] where good[pos] != v {
                var bytes = good
                bytes[pos] = v
                let p = try writeBytes(dir, "h.gguf", bytes)
                if let g = try? GGUFFile(path: p) {
                    for t in g.tensorInfos { _ = try? g.tensor(t.name).floats() }
                }
            }
        }
        var rng = SplitMix64(seed: 9)
        for i in 0..<400 {
            var bytes = good
            for _ in 0..<(1 + rng.nextInt(below: 3)) { bytes[rng.nextInt(below: bytes.count)] = UInt8(rng.nextInt(below: 256)) }
            let p = try writeBytes(dir, "c\(i % 4).gguf", bytes)
            if let g = try? GGUFFile(path: p) {
                for t in g.tensorInfos { _ = try? g.tensor(t.name).floats() }
            }
        }
    }

    @Test func qkPermutationMatchesConvertHfToGguf() {
        // numpy: w.reshape(2, 2, 2).swapaxes(1, 2).reshape(8) of rows 0…7 = [0, 2, 1, 3, 4, 6, 5, 7].
        let hf = Array(0..<8)
        #expect(QKPermutation.apply(hf, rowLength: 1, heads: 2, toHF: false) == [0, 2, 1, 3, 4, 6, 5, 7])
        #expect((0..<8).map { QKPermutation.ggufRow($0, rows: 8, heads: 2) } == [0, 2, 1, 3, 4, 6, 5, 7])
        // head_dim 6, 2 heads, rows of 3: permute then un-permute is the identity.
        let m = Array(0..<36)
        let p = QKPermutation.apply(m, rowLength: 3, heads: 2, toHF: false)
        #expect(p != m)
        #expect(Array(p[3..<6]) == [9, 10, 11])             // GGUF row 1 = HF row 3 (h 0, s 1, i 0)
        #expect(QKPermutation.apply(p, rowLength: 3, heads: 2, toHF: true) == m)
        #expect(!QKPermutation.isValid(rows: 6, heads: 2))   // head_dim 3 is odd
    }
}
