@testable import EdgeModel
import EdgeTensor
import EdgeTestSupport
import Foundation
import Testing

@Suite struct ModelFilesTests {
    static let dims = LlamaConfig.tiny.dims

    /// A small random model with every row a multiple of 32 (so all block formats apply).
    static func smallModel(tied: Bool) -> (LlamaConfig, LlamaParameters) {
        var c = LlamaConfig.tiny
        c.intermediateSize = 96
        c.tieWordEmbeddings = tied
        return (c, LlamaParameters.random(c.dims, tied: tied, seed: 1, std: 0.5))
    }

    @Test func resolveClassifiesModelStrings() throws {
        #expect(try ModelSource.resolve("preset:tiny") == .preset(name: "tiny", config: .tiny))
        #expect(try ModelSource.resolve("preset:TinyLlama-1.1B") == .preset(name: "tinyllama-1.1b", config: .tinyLlama_1_1B))
        expectMessage(formatError { _ = try ModelSource.resolve("preset:big") }, names: "big", "preset:tiny, preset:small")
        let dir = try TestSupport.temporaryDirectory()
        let missing = dir.appendingPathComponent("nothing.gguf").path
        expectMessage(formatError { _ = try ModelSource.resolve(missing) }, names: missing, "file not found")
        expectMessage(formatError { _ = try ModelSource.resolve(dir.path) }, names: dir.path, "no config.json in \(dir.path)")
        try LlamaConfig.tiny.write(path: dir.appendingPathComponent("config.json").path)
        expectMessage(formatError { _ = try ModelSource.resolve(dir.path) }, names: dir.path, "no model.safetensors")
        let other = try writeBytes(dir, "weights.bin", [1, 2, 3])
        expectMessage(formatError { _ = try ModelSource.resolve(other) }, names: other, "not a .gguf file or a model directory")
        let hf = TestSupport.fixture("llama/f32")
        #expect(try ModelSource.resolve(hf) == .huggingFace(directory: hf))
        #expect(try ModelSource.resolve(hf + "/config.json") == .huggingFace(directory: hf))
        let g = TestSupport.fixture("llama/tiny32_q8_0.gguf")
        #expect(try ModelSource.resolve(g) == .gguf(path: g))
        let renamed = try writeBytes(dir, "model.bin", [UInt8](try Data(contentsOf: URL(fileURLWithPath: g))))
        #expect(try ModelSource.resolve(renamed) == .gguf(path: renamed))      // recognised by magic
    }

    @Test func safetensorsExportRoundTripsExactly() throws {
        for tied in [false, true] {
            let (c, p) = Self.smallModel(tied: tied)
            let dir = try TestSupport.temporaryDirectory()
            try LlamaExport.safetensors(p, config: c, directory: dir.path)
            let ck = try LlamaCheckpoint.open(dir.path)
            var expected = c
            expected.explicitHeadDim = c.headDim
            #expect(ck.config == expected)
            #expect(try ck.llamaParameters() == p)
            #expect(ck.contains("lm_head.weight") == !tied)
            let w = try ck.llamaWeights()
            #expect((w.head == nil) == tied)
            #expect(w.layers.count == c.layers)
        }
    }

    @Test func ggufExportUndoesThePermutationExactlyForF32() throws {
        let (c, p) = Self.smallModel(tied: false)
        let dir = try TestSupport.temporaryDirectory()
        let path = dir.appendingPathComponent("m.gguf").path
        try LlamaExport.gguf(p, config: c, path: path, type: .f32)
        let ck = try LlamaCheckpoint.open(path)
        #expect(try ck.llamaParameters() == p)
        // The stored Q rows really are permuted (the test would pass vacuously otherwise).
        let stored = try ck.storedTensor("model.layers.0.self_attn.q_proj.weight").floats()
        #expect(stored != p.layers[0].wq.scalars)
    }

    @Test func quantizedGGUFExportKeepsBlocksAndUnpermutesWholeRows() throws {
        let (c, p) = Self.smallModel(tied: true)
        let dir = try TestSupport.temporaryDirectory()
        for type in [TensorDType.q8_0, .q4_0, .q4_1] {
            let path = dir.appendingPathComponent("m.\(type.rawValue).gguf").path
            try LlamaExport.gguf(p, config: c, path: path, type: type)
            let ck = try LlamaCheckpoint.open(path)
            guard let f = type.blockFormat else { continue }
            let q = try ck.tensor("model.layers.1.self_attn.k_proj.weight")
            // Un-permuted blocks equal blocks of the HF rows: quantize(HF) == unpermute(quantize(permute(HF))).
            #expect(q.storage == .quantized(f, f.quantize(p.layers[1].wk.scalars)))
            let m = try ck.weightMatrix("model.layers.1.self_attn.k_proj.weight")
            #expect(m.rows == p.layers[1].wk.rows && m.byteCount == f.rowBytes(cols: m.cols) * m.rows)
            #expect(try ck.floats("model.norm.weight") == p.finalNorm.scalars)   // 1-D stays F32
        }
    }

    @Test func configTensorShapeMismatchNamesFileAndTensor() throws {
        let (c, p) = Self.smallModel(tied: false)
        let dir = try TestSupport.temporaryDirectory()
        try LlamaExport.safetensors(p, config: c, directory: dir.path)
        var wrong = c
        wrong.intermediateSize = 128
        try wrong.write(path: dir.appendingPathComponent("config.json").path)
        let ck = try LlamaCheckpoint.open(dir.path)
        let e = formatError { _ = try ck.llamaWeights() }
        expectMessage(e, names: dir.appendingPathComponent("model.safetensors").path,
                      "tensor model.layers.0.mlp.gate_proj.weight has shape [96, 64] but the config needs [128, 64]")
        // Untied config over a tied checkpoint: the missing head is named.
        let (tc, tp) = Self.smallModel(tied: true)
        try LlamaExport.safetensors(tp, config: tc, directory: dir.path)
        var untied = tc
        untied.tieWordEmbeddings = false
        try untied.write(path: dir.appendingPathComponent("config.json").path)
        expectMessage(formatError { _ = try LlamaCheckpoint.open(dir.path).llamaWeights() }, names: dir.path, "no tensor named lm_head.weight")
    }

    @Test func presetsGiveSeededRandomWeights() throws {
        let ck = try LlamaCheckpoint.open("preset:tiny")
        #expect(ck.isPreset && ck.config == .tiny)
        #expect(try ck.llamaParameters(seed: 3) == LlamaParameters.random(LlamaConfig.tiny.dims, tied: false, seed: 3))
        expectMessage(formatError { _ = try ck.tensor("model.norm.weight") }, names: "preset:tiny", "no stored weights")
        #expect(try ck.llamaWeights(seed: 3).layers.count == 2)
    }
}

/// The Python fixtures (Tests/Fixtures/gen_llama.py, gguf-py 0.19 + transformers 5.23).
@Suite struct ModelFilesFixtureTests {
    static func hf(_ dir: String) throws -> LlamaCheckpoint { try LlamaCheckpoint.open(TestSupport.fixture("llama/" + dir)) }
    static func gguf(_ file: String) throws -> LlamaCheckpoint { try LlamaCheckpoint.open(TestSupport.fixture("llama/" + file)) }

    static func normalised(_ c: LlamaConfig) -> LlamaConfig {
        var c = c
        c.torchDtype = nil
        c.explicitHeadDim = c.headDim
        return c
    }

    @Test(arguments: [("f32", "tiny_f32.gguf"), ("f32", "tiny_q8_0.gguf"), ("tiny32", "tiny32_f32.gguf"),
                      ("tiny32", "tiny32_q8_0.gguf"), ("tiny32", "tiny32_q4_0.gguf"), ("tiny32", "tiny32_q4_1.gguf"),
                      ("tiny32", "tiny32_q4_1_q8emb.gguf")])
    func ggufConfigEqualsConfigJSON(_ dir: String, _ file: String) throws {
        #expect(Self.normalised(try Self.gguf(file).config) == Self.normalised(try Self.hf(dir).config))
    }

    @Test(arguments: [("f32", "tiny_f32.gguf"), ("tiny32", "tiny32_f32.gguf")])
    func f32GGUFEqualsSafetensorsExactly(_ dir: String, _ file: String) throws {
        let a = try Self.hf(dir), b = try Self.gguf(file)
        #expect(try b.llamaParameters() == a.llamaParameters())
    }

    @Test func f16FallbackTensorsAreTheSafetensorsRoundedToHalf() throws {
        // Odd row lengths (72, 200) cannot be Q8_0, so the converter wrote F16 for every matrix.
        let a = try Self.hf("f32"), b = try Self.gguf("tiny_q8_0.gguf")
        try a.llamaParameters().forEach { name, t in
            let s = try b.tensor(name).storage
            if t.rank == 1 {
                #expect(s == .f32(t.scalars), "\(name)")
            } else {
                #expect(s == .f16(F16.encode(t.scalars)), "\(name)")
            }
        }
    }

    /// gguf-py's numpy quantizers reproduce ggml's reference ones; ours must give the identical bytes.
    @Test(arguments: ["tiny32_q8_0.gguf", "tiny32_q4_0.gguf", "tiny32_q4_1.gguf", "tiny32_q4_1_q8emb.gguf"])
    func quantizedGGUFBlocksEqualOurQuantizerOnTheHFWeights(_ file: String) throws {
        let a = try Self.hf("tiny32"), b = try Self.gguf(file)
        var checked = Set<String>()
        try a.llamaParameters().forEach { name, t in
            let s = try b.tensor(name).storage
            switch s {
            case .quantized(let f, let bytes):
                #expect(bytes == f.quantize(t.scalars), "\(file) \(name)")
                checked.insert(f.rawValue)
                // Dequantized error within one step of the block's range.
                let y = f.dequantize(bytes)
                let amax = t.scalars.map(abs).max() ?? 0
                for i in 0..<t.count { #expect(abs(y[i] - t.scalars[i]) <= amax / 7, "\(name)[\(i)]") }
            case .f32(let v):
                #expect(v == t.scalars, "\(file) \(name)")
            default:
                Issue.record("\(file) \(name): unexpected storage \(s.dtype)")
            }
        }
        #expect(!checked.isEmpty)
        if file.contains("q8emb") { #expect(checked == ["Q4_1", "Q8_0"]) }
    }
}

/// The real default model, when `edgeagent model fetch` has put it in models/ (not needed in CI).
@Suite struct RealModelFilesTests {
    static let path = TestSupport.fixtures.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: RealModelFilesTests.path)))
    func smolLM2Q4_1LoadsWithItsPublishedShape() throws {
        let ck = try LlamaCheckpoint.open(Self.path)
        var c = ck.config
        c.torchDtype = LlamaConfig.smolLM2_135M.torchDtype
        #expect(c == .smolLM2_135M)
        guard case .gguf(let g) = ck.backing else { Issue.record("not a GGUF backing"); return }
        let types = Set(g.tensorInfos.map(\.type.description))
        #expect(types.isSubset(of: ["F32", "Q4_1", "Q8_0"]), "\(types)")
        let w = try ck.llamaWeights()
        #expect(w.head == nil && w.layers.count == 30)
        if case .quantized(let f, _) = w.embed.storage { #expect(f == .q8_0) } else { Issue.record("embedding not Q8_0") }
        if case .quantized(let f, _) = w.layers[0].wq.storage { #expect(f == .q4_1) } else { Issue.record("wq not Q4_1") }
        // Dequantized, un-permuted Q rows are finite and not all zero.
        let q = try ck.floats("model.layers.0.self_attn.q_proj.weight")
        #expect(q.count == 576 * 576 && q.allSatisfy(\.isFinite) && q.contains { $0 != 0 })
    }
}
