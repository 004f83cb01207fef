import EdgeTensor

extension LlamaWeights {
    /// Every matrix (embedding, layers, head) stored in `format`, for fast decoding of a Float32 or BF16
    /// checkpoint (a fine-tuned run directory): what `llama-quantize` does to a GGUF, done at load time.
    /// Norm weights stay Float32. Throws when a matrix's input size is not a multiple of the block size.
    public func quantized(to format: BlockFormat) throws -> LlamaWeights {
        func q(_ w: WeightMatrix, _ name: String) throws -> WeightMatrix {
            guard w.cols % format.blockSize == 0 else {
                throw InferenceError.notQuantizable(format: format.rawValue, tensor: name, cols: w.cols)
            }
            return w.quantized(to: format)
        }
        let layers = try self.layers.enumerated().map { i, l in
            let p = "model.layers.\(i)."
            return LlamaLayerWeights(attnNorm: l.attnNorm, wq: try q(l.wq, p + "self_attn.q_proj"), wk: try q(l.wk, p + "self_attn.k_proj"),
                                     wv: try q(l.wv, p + "self_attn.v_proj"), wo: try q(l.wo, p + "self_attn.o_proj"),
                                     mlpNorm: l.mlpNorm, wGate: try q(l.wGate, p + "mlp.gate_proj"),
                                     wUp: try q(l.wUp, p + "mlp.up_proj"), wDown: try q(l.wDown, p + "mlp.down_proj"))
        }
        return LlamaWeights(embed: try q(embed, "model.embed_tokens"), layers: layers, finalNorm: finalNorm,
                            head: try head.map { try q($0, "lm_head") })
    }

    /// Every matrix stored as Float32 (a GGUF's quantized blocks expanded once at load time): what batched decoding
    /// (`Llama.forwardBatch`) reads fastest, at 4–8× the memory of the blocks.
    public func dequantized() -> LlamaWeights {
        func f(_ w: WeightMatrix) -> WeightMatrix { WeightMatrix(rows: w.rows, cols: w.cols, f32: w.dequantized().scalars) }
        let layers = self.layers.map { l in
            LlamaLayerWeights(attnNorm: l.attnNorm, wq: f(l.wq), wk: f(l.wk), wv: f(l.wv), wo: f(l.wo),
                              mlpNorm: l.mlpNorm, wGate: f(l.wGate), wUp: f(l.wUp), wDown: f(l.wDown))
        }
        return LlamaWeights(embed: f(embed), layers: layers, finalNorm: finalNorm, head: head.map(f))
    }
}
