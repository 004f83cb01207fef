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
        let d = s.dims, BT = s.B * s.T
        precondition(tokens.count == BT && targets.count == BT, "tokens/targets must have B·T = \(BT) entries, got \(tokens.count)")
        forwardLayers(p, tokens: tokens, state: s)
        let (loss, count) = lossHead(p, targets: targets, grads: &g, state: s, normalizer: targetNormalizer, backward: true)
        // Final RMSNorm backward: dx = d(xFinal).
        s.dx.zero()
        p.finalNorm.withUnsafeBufferPointer { w in
            g.finalNorm.withUnsafeMutableBufferPointer { dw in
                TrainingOps.rmsNormBackward(dy: s.dxn.p, x: s.xFinal.p, w: w.baseAddress!, r: s.rFinal.p, dx: s.dx.p, dW: dw.baseAddress!, rows: BT, C: d.C)
            }
        }
        for l in stride(from: d.L - 1, through: 0, by: -1) {
            let a: LayerActivations
            if s.recompute {
                a = s.acts[0]
                a.x.p.update(from: s.layerInputs[l].p, count: BT * d.C)
                layerForward(p.layers[l], a, out: s.xFinal.p, state: s)   // output unused; xFinal already consumed
            } else {
                a = s.acts[l]
            }
            layerBackward(p.layers[l], &g.layers[l], a, state: s)
            afterLayer?(l, &g)
        }
        g.embed.withUnsafeMutableBufferPointer { de in
            for t in 0..<BT where tokens[t] != s.paddingTokenId {
                let row = de.baseAddress! + Int(tokens[t]) * d.C
                Kernels.add(row, s.dx.p + t * d.C, row, d.C)
            }
        }
        return TrainingLoss(loss: loss, targetTokens: count)
    }

    /// Mean cross-entropy without gradients (evaluation).
    public static func loss(_ p: LlamaParameters, tokens: [Int32], targets: [Int32], state s: LlamaTrainState) -> TrainingLoss {
        forwardLayers(p, tokens: tokens, state: s)
        var unused = LlamaParameters(zeros: LlamaDims(C: 0, L: 0, NH: 1, NKV: 1, hd: 0, F: 0, V: 0, eps: 0, ropeTheta: 1, maxPositions: 0), tied: true)
        let (loss, count) = lossHead(p, targets: targets, grads: &unused, state: s, normalizer: nil, backward: false)
        return TrainingLoss(loss: loss, targetTokens: count)
    }

    /// Embedding, every layer (saving activations), final RMSNorm into s.xnFinal.
    static func forwardLayers(_ p: LlamaParameters, tokens: [Int32], state s: LlamaTrainState) {
        let d = s.dims, BT = s.B * s.T
        let first = s.recompute ? s.layerInputs[0].p : s.acts[0].x.p
        p.embed.withUnsafeBufferPointer { e in
            for t in 0..<BT { (first + t * d.C).update(from: e.baseAddress! + Int(tokens[t]) * d.C, count: d.C) }
        }
        for l in 0..<d.L {
            let out = l == d.L - 1 ? s.xFinal.p : (s.recompute ? s.layerInputs[l + 1].p : s.acts[l + 1].x.p)
            let a = s.recompute ? s.acts[0] : s.acts[l]
            if s.recompute { a.x.p.update(from: s.layerInputs[l].p, count: BT * d.C) }
            layerForward(p.layers[l], a, out: out, state: s)
        }
        p.finalNorm.withUnsafeBufferPointer { w in
            TrainingOps.rmsNorm(s.xFinal.p, w.baseAddress!, eps: d.eps, out: s.xnFinal.p, r: s.rFinal.p, rows: BT, C: d.C)
        }
    }

    /// Output head and cross-entropy on the rows that have a target, in chunks of `chunkRows` rows (the
    /// full (BT, V) logits never exist). With `backward`, writes d(xnFinal) into s.dxn (zero elsewhere)
    /// and accumulates the head gradient (into `embed` when tied).
    static func lossHead(_ p: LlamaParameters, targets: [Int32], grads g: inout LlamaParameters, state s: LlamaTrainState,
                         normalizer: Int?, backward: Bool) -> (Double, Int) {
        let d = s.dims, BT = s.B * s.T
        let rows = (0..<BT).filter { targets[$0] >= 0 }
        let scale = 1 / Float(max(1, normalizer ?? rows.count))
        let head = p.head ?? p.embed
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
                if p.head != nil {
                    linearBackward(dy: s.logitsChunk.p, x: s.gatherX.p, w: head, dW: &g.head!, dx: s.gatherDX.p, accumulate: false, rows: n)
                } else {
                    linearBackward(dy: s.logitsChunk.p, x: s.gatherX.p, w: head, dW: &g.embed, dx: s.gatherDX.p, accumulate: false, rows: n)
                }
                for i in 0..<n { (s.dxn.p + rows[start + i] * d.C).update(from: s.gatherDX.p + i * d.C, count: d.C) }
            }
            start += n
        }
        return (total / Double(max(1, normalizer ?? rows.count)), rows.count)
    }
}
