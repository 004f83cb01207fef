import EdgeTensor

extension LlamaTraining {
    /// Forward and backward over a batch: mean cross-entropy over target positions, gradients accumulated
    /// (+=) into `grads` (zero them first for a fresh step; leave them for gradient accumulation).
    ///
    /// - `tokens`: (B, T) input ids, row-major.
    /// - `targets`: (B, T) the id each position must predict, or −1 to ignore the position (Hugging Face's
    ///   `labels` shifted by one: targets[b, t] = labels[b, t + 1]).
    /// - `lossScale`: the loss (and gradients) are divided by `targetNormalizer` (default: this batch's
    ///   target count) — pass the count over all accumulated micro-batches to average across them.
    /// - `afterLayer`: called with each layer index as soon as that layer's gradients are final (in reverse
    ///   order), for layer-wise optimizer updates.
    @discardableResult
    public static func lossAndGradients(_ p: LlamaParameters, tokens: [Int32], targets: [Int32], grads g: inout LlamaParameters,
                                        state s: LlamaTrainState, targetNormalizer: Int? = nil,
                                        afterLayer: ((Int, inout LlamaParameters) -> Void)? = nil) -> TrainingLoss {
        var noLoRA: LoRAAdapters? = nil
        return lossAndGradients(model: p, tokens: tokens, targets: targets, grads: &g, loraGrads: &noLoRA, trainBase: true,
                                state: s, targetNormalizer: targetNormalizer,
                                afterLayer: afterLayer.map { hook in { l, g, _ in hook(l, &g) } })
    }

    /// The general training pass: base weights from any `LlamaWeightSource` (F32, BF16, with LoRA adapters).
    ///
    /// - `trainBase`: compute base-weight gradients into `grads` (embedding, norms, head, every layer). When
    ///   false the base is frozen: `grads` is not touched (pass `LlamaParameters.empty`) and the weight-gradient
    ///   GEMMs of frozen linears are skipped — only dx flows through them.
    /// - `loraGrads`: adapter gradients (dA, dB) when the model has LoRA adapters; nil computes none.
    /// - Layer-wise updates: with a state made with `layerWise: true`, layer l's base gradient is computed in
    ///   the state's single layer buffer, placed into `grads.layers[l]` for the `afterLayer` call (which
    ///   should apply the optimizer step for that layer), then zeroed and taken back — so `grads` needs no
    ///   layer storage (`LlamaParameters(zeros:tied:layers: false)`) and full gradients never coexist.
    ///   The hook runs after layer l's backward, which no longer reads layer l's weights, so it may update
    ///   them in place; later (lower) layers are unaffected, hence gradients equal the non-layer-wise pass.
    @discardableResult
    public static func lossAndGradients<W: LlamaWeightSource>(
        model w: W, tokens: [Int32], targets: [Int32], grads g: inout LlamaParameters, loraGrads lg: inout LoRAAdapters?,
        trainBase: Bool, state s: LlamaTrainState, targetNormalizer: Int? = nil,
        afterLayer: ((Int, inout LlamaParameters, inout LoRAAdapters?) -> Void)? = nil
    ) -> TrainingLoss {
        let d = s.dims, BT = s.B * s.T
        precondition(tokens.count == BT && targets.count == BT, "tokens/targets must have B·T = \(BT) entries, got \(tokens.count)")
        forwardLayers(w, tokens: tokens, state: s)
        let (loss, count) = lossHead(w, targets: targets, grads: &g, trainBase: trainBase, state: s, normalizer: targetNormalizer, backward: true)
        // Final RMSNorm backward: dx = d(xFinal).
        s.dx.zero()
        var normGrad = trainBase ? Tensor(zeros: [0]) : Tensor(zeros: [d.C])   // discarded when frozen
        if trainBase { swap(&normGrad, &g.finalNorm) }
        w.finalNormWeight.withUnsafeBufferPointer { nw in
            normGrad.withUnsafeMutableBufferPointer { dw in
                TrainingOps.rmsNormBackward(dy: s.dxn.p, x: s.xFinal.p, w: nw.baseAddress!, r: s.rFinal.p, dx: s.dx.p, dW: dw.baseAddress!, rows: BT, C: d.C)
            }
        }
        if trainBase { swap(&normGrad, &g.finalNorm) }
        let lora = w.loraAdapters, scaling = lora?.config.scaling ?? 0
        for l in stride(from: d.L - 1, through: 0, by: -1) {
            var slot = LlamaParameters.Layer.empty, loraSlot = LoRAAdapters.Layer.none
            if trainBase {
                if s.layerWise { swap(&slot, &s.spareLayerGradient) } else { swap(&slot, &g.layers[l]) }
            }
            if lg != nil { swap(&loraSlot, &lg!.layers[l]) }
            do {   // the layer's F32 weights live only in this scope, so the hook may update the stored ones in place
                let pl = w.trainingLayer(l)
                let a: LayerActivations
                if s.recompute {
                    a = s.acts[0]
                    a.x.p.update(from: s.layerInputs[l].p, count: BT * d.C)
                    layerForward(pl, a, out: s.xFinal.p, state: s, lora: lora?.layers[l], scaling: scaling)   // output unused
                } else {
                    a = s.acts[l]
                }
                layerBackward(pl, &slot, a, state: s, lora: lora?.layers[l], loraGrad: &loraSlot, scaling: scaling)
            }
            if trainBase { swap(&slot, &g.layers[l]) }
            if lg != nil { swap(&loraSlot, &lg!.layers[l]) }
            afterLayer?(l, &g, &lg)
            if trainBase && s.layerWise {
                swap(&slot, &g.layers[l])
                slot.zero()
                swap(&slot, &s.spareLayerGradient)
            }
        }
        if trainBase {
            g.embed.withUnsafeMutableBufferPointer { de in
                for t in 0..<BT where tokens[t] != s.paddingTokenId {
                    let row = de.baseAddress! + Int(tokens[t]) * d.C
                    Kernels.add(row, s.dx.p + t * d.C, row, d.C)
                }
            }
        }
        return TrainingLoss(loss: loss, targetTokens: count)
    }

    /// Mean cross-entropy without gradients (evaluation).
    public static func loss<W: LlamaWeightSource>(_ w: W, tokens: [Int32], targets: [Int32], state s: LlamaTrainState) -> TrainingLoss {
        forwardLayers(w, tokens: tokens, state: s)
        var unused = LlamaParameters.empty
        let (loss, count) = lossHead(w, targets: targets, grads: &unused, trainBase: false, state: s, normalizer: nil, backward: false)
        return TrainingLoss(loss: loss, targetTokens: count)
    }

    /// Logits (B·T, V) of every position through the training forward (for tests and adapter checks).
    public static func logits<W: LlamaWeightSource>(_ w: W, tokens: [Int32], state s: LlamaTrainState) -> Tensor {
        let d = s.dims, BT = s.B * s.T
        forwardLayers(w, tokens: tokens, state: s)
        var out = Tensor(zeros: [BT, d.V])
        out.withUnsafeMutableBufferPointer { linear(s.xnFinal.p, w.outputHead(), $0.baseAddress!, rows: BT) }
        return out
    }

    /// Embedding, every layer (saving activations), final RMSNorm into s.xnFinal.
    static func forwardLayers<W: LlamaWeightSource>(_ w: W, tokens: [Int32], state s: LlamaTrainState) {
        let d = s.dims, BT = s.B * s.T
        let first = s.recompute ? s.layerInputs[0].p : s.acts[0].x.p
        for t in 0..<BT { w.copyEmbeddingRow(Int(tokens[t]), C: d.C, to: first + t * d.C) }
        let lora = w.loraAdapters, scaling = lora?.config.scaling ?? 0
        for l in 0..<d.L {
            let out = l == d.L - 1 ? s.xFinal.p : (s.recompute ? s.layerInputs[l + 1].p : s.acts[l + 1].x.p)
            let a = s.recompute ? s.acts[0] : s.acts[l]
            if s.recompute { a.x.p.update(from: s.layerInputs[l].p, count: BT * d.C) }
            layerForward(w.trainingLayer(l), a, out: out, state: s, lora: lora?.layers[l], scaling: scaling)
        }
        w.finalNormWeight.withUnsafeBufferPointer { nw in
            TrainingOps.rmsNorm(s.xFinal.p, nw.baseAddress!, eps: d.eps, out: s.xnFinal.p, r: s.rFinal.p, rows: BT, C: d.C)
        }
    }

    /// Output head and cross-entropy on the rows that have a target, in chunks of `chunkRows` rows (the
    /// full (BT, V) logits never exist). With `backward`, writes d(xnFinal) into s.dxn (zero elsewhere)
    /// and, with `trainBase`, accumulates the head gradient (into `embed` when tied).
    static func lossHead<W: LlamaWeightSource>(_ w: W, targets: [Int32], grads g: inout LlamaParameters, trainBase: Bool,
                                               state s: LlamaTrainState, normalizer: Int?, backward: Bool) -> (Double, Int) {
        let d = s.dims, BT = s.B * s.T
        let rows = (0..<BT).filter { targets[$0] >= 0 }
        let scale = 1 / Float(max(1, normalizer ?? rows.count))
        let head = w.outputHead()
        var dHead = Tensor(zeros: [0])   // empty = frozen: no weight-gradient GEMM
        if backward && trainBase { if w.headIsTied { swap(&dHead, &g.embed) } else { swap(&dHead, &g.head!) } }
        if backward { s.dxn.zero() }
        var total = 0.0
        var start = 0
        while start < rows.count {
            let n = min(s.chunkRows, rows.count - start)
            for i in 0..<n { (s.gatherX.p + i * d.C).update(from: s.xnFinal.p + rows[start + i] * d.C, count: d.C) }
            linear(s.gatherX.p, head, s.logitsChunk.p, rows: n)
            for i in 0..<n {
                total += BackwardKernels.crossEntropy(logits: s.logitsChunk.p + i * d.V, d.V,
                                                      target: Int(targets[rows[start + i]]), scale: scale)
            }
            if backward {
                linearBackward(dy: s.logitsChunk.p, x: s.gatherX.p, w: head, dW: &dHead, dx: s.gatherDX.p, accumulate: false, rows: n)
                for i in 0..<n { (s.dxn.p + rows[start + i] * d.C).update(from: s.gatherDX.p + i * d.C, count: d.C) }
            }
            start += n
        }
        if backward && trainBase { if w.headIsTied { swap(&dHead, &g.embed) } else { swap(&dHead, &g.head!) } }
        return (total / Double(max(1, normalizer ?? rows.count)), rows.count)
    }
}
