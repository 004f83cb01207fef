@testable import EdgeModel
import EdgeTestSupport
import Foundation
import Testing

@Suite struct LlamaConfigTests {
    func decode(_ json: String) throws -> LlamaConfig {
        try JSONDecoder().decode(LlamaConfig.self, from: Data(json.utf8))
    }

    @Test func transformers4ConfigWithEosList() throws {
        // SmolLM2-135M-Instruct's config.json (transformers 4.42 spelling).
        let c = try decode("""
        {"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": [2, 0], "hidden_act": "silu",
         "hidden_size": 576, "intermediate_size": 1536, "max_position_embeddings": 8192, "model_type": "llama",
         "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3, "pad_token_id": 2, "rms_norm_eps": 1e-05,
         "rope_scaling": null, "rope_theta": 100000, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
         "vocab_size": 49152}
        """)
        var expected = LlamaConfig.smolLM2_135M
        expected.eosTokenIds = [2, 0]
        #expect(c == expected)
        #expect(c.headDim == 64)
        try c.validate()
    }

    @Test func transformers5FixtureConfig() throws {
        let path = TestSupport.fixture("llama/f32/config.json")
        let c = try LlamaConfig.load(path: path)
        #expect(c.hiddenSize == 72 && c.layers == 3 && c.heads == 6 && c.kvHeads == 2 && c.headDim == 12)
        #expect(c.intermediateSize == 200 && c.vocabSize == 515 && c.maxPositionEmbeddings == 128)
        #expect(c.ropeTheta == 500000)                  // from rope_parameters.rope_theta
        #expect(c.rmsNormEps == 1e-5 && !c.tieWordEmbeddings)
        #expect(c.bosTokenId == 1 && c.eosTokenIds == [2])
        #expect(c.torchDtype == "float32")              // from "dtype"
        #expect(c.ropeType == nil)                      // rope_type "default"
        try c.validate(file: path)
    }

    @Test func defaultsFillMissingKeys() throws {
        let c = try decode(#"{"hidden_size": 64, "num_attention_heads": 4}"#)
        #expect(c.kvHeads == 4)
        #expect(c.layers == LlamaConfig.defaultLayers)
        #expect(c.ropeTheta == LlamaConfig.defaultRopeTheta)
        #expect(c.rmsNormEps == LlamaConfig.defaultRmsNormEps)
        #expect(c.bosTokenId == LlamaConfig.defaultBosTokenId && c.eosTokenIds == LlamaConfig.defaultEosTokenIds)
        let nullIds = try decode(#"{"bos_token_id": null, "eos_token_id": null}"#)
        #expect(nullIds.bosTokenId == nil && nullIds.eosTokenIds == [])
    }

    @Test func encodeRoundTripsAndWritesWhatTransformersNeeds() throws {
        for (_, preset) in LlamaConfig.presets {
            let data = try JSONEncoder().encode(preset)
            let back = try JSONDecoder().decode(LlamaConfig.self, from: data)
            var expected = preset
            expected.explicitHeadDim = preset.headDim   // head_dim is always written
            #expect(back == expected)
            let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            #expect(obj?["architectures"] as? [String] == ["LlamaForCausalLM"])
            #expect(obj?["model_type"] as? String == "llama")
            #expect(obj?["hidden_act"] as? String == "silu")
            #expect(obj?["torch_dtype"] as? String == preset.torchDtype)
        }
        let dir = try TestSupport.temporaryDirectory()
        let path = dir.appendingPathComponent("config.json").path
        try LlamaConfig.tiny.write(path: path)
        #expect(try LlamaConfig.load(path: path).hiddenSize == 64)
    }

    @Test func validateRejectsBadShapesWithTheReason() throws {
        func reason(_ c: LlamaConfig) -> String? {
            formatError { try c.validate(file: "cfg.json") }?.description
        }
        var c = LlamaConfig.tiny
        c.heads = 5
        #expect(reason(c)?.contains("num_attention_heads 5 does not divide hidden_size 64") == true)
        c = .tiny; c.kvHeads = 3
        #expect(reason(c)?.contains("num_key_value_heads 3 does not divide num_attention_heads 4") == true)
        c = .tiny; c.layers = 0
        #expect(reason(c)?.contains("num_hidden_layers must be positive") == true)
        c = .tiny; c.ropeType = "llama3"
        #expect(reason(c)?.contains("rope scaling 'llama3' is not supported") == true)
        c = .tiny; c.eosTokenIds = [999]
        #expect(reason(c)?.contains("outside the vocabulary") == true)
        c = .tiny; c.explicitHeadDim = 15
        #expect(reason(c)?.contains("head_dim 15 must be even") == true)
        #expect(reason(.tiny) == nil)
        #expect(reason(c)?.hasPrefix("cfg.json: invalid model config") == true)

        let llama3 = try decode(#"{"hidden_size": 64, "num_attention_heads": 4, "rope_scaling": {"rope_type": "llama3", "factor": 8.0}}"#)
        #expect(llama3.ropeType == "llama3")
    }

    @Test func badJSONNamesTheFile() throws {
        let dir = try TestSupport.temporaryDirectory()
        let p = dir.appendingPathComponent("config.json").path
        try Data(#"{"hidden_size": "wide"}"#.utf8).write(to: URL(fileURLWithPath: p))
        expectMessage(formatError { _ = try LlamaConfig.load(path: p) }, names: p, "hidden_size")
        try Data("not json".utf8).write(to: URL(fileURLWithPath: p))
        expectMessage(formatError { _ = try LlamaConfig.load(path: p) }, names: p, "invalid model config")
    }

    @Test func presetsHaveTheirPublishedShapes() throws {
        #expect(try LlamaConfig.preset(named: "tinyllama-1.1b") == .tinyLlama_1_1B)
        #expect(try LlamaConfig.preset(named: "SmolLM2-135M") == .smolLM2_135M)
        #expect(try LlamaConfig.preset(named: "tiny").vocabSize == 320)
        #expect(try LlamaConfig.preset(named: "small").kvHeads == 4)
        // Published parameter counts: SmolLM2-135M 134,515,008; TinyLlama-1.1B 1,100,048,384.
        #expect(LlamaConfig.smolLM2_135M.parameterCount == 134_515_008)
        #expect(LlamaConfig.tinyLlama_1_1B.parameterCount == 1_100_048_384)
        for (name, p) in LlamaConfig.presets { #expect(throws: Never.self, "\(name)") { try p.validate() } }
        let e = formatError { _ = try LlamaConfig.preset(named: "huge") }
        #expect(e?.description == "unknown preset 'huge' ---> HINT: valid presets are preset:tiny, preset:small, preset:smollm2-135m, preset:tinyllama-1.1b")
        let d = LlamaConfig.tinyLlama_1_1B.dims
        #expect(d.C == 2048 && d.L == 22 && d.NH == 32 && d.NKV == 4 && d.hd == 64 && d.F == 5632 && d.V == 32000)
    }

    @Test func ggufMetadataRoundTrip() throws {
        let dir = try TestSupport.temporaryDirectory()
        for (_, preset) in LlamaConfig.presets {
            var w = GGUFWriter()
            for (k, v) in preset.ggufMetadata(name: "x", fileType: 0) { w.set(k, v) }
            if !preset.tieWordEmbeddings { try w.addTensor("output.weight", shape: [1], values: [0]) }
            let p = dir.appendingPathComponent("c.gguf").path
            try w.write(to: p)
            var back = try LlamaConfig(gguf: GGUFFile(path: p))
            #expect(back.padTokenId == preset.padTokenId)
            back.torchDtype = preset.torchDtype
            #expect(back == preset)
        }
    }

    @Test func ggufOfAnotherArchitectureIsRejected() throws {
        let dir = try TestSupport.temporaryDirectory()
        var w = GGUFWriter()
        w.set("general.architecture", .string("qwen2"))
        let p = dir.appendingPathComponent("q.gguf").path
        try w.write(to: p)
        expectMessage(formatError { _ = try LlamaConfig(gguf: GGUFFile(path: p)) }, names: p, "architecture 'qwen2'")
        var m = GGUFWriter()
        m.set("general.architecture", .string("llama"))
        m.set("llama.embedding_length", .uint32(64))
        try m.write(to: p)
        expectMessage(formatError { _ = try LlamaConfig(gguf: GGUFFile(path: p)) }, names: p, "missing metadata key llama.attention.head_count")
    }
}
