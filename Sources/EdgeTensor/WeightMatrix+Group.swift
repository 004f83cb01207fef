import CKernels

extension WeightMatrix {
    /// Raw pointer to the storage (valid inside `body`).
    func withRawStorage<R>(_ body: (UnsafeRawPointer) -> R) -> R {
        switch storage {
        case .f32(let v): return v.withUnsafeBytes { body($0.baseAddress!) }
        case .quantized(_, let b): return b.withUnsafeBytes { body($0.baseAddress!) }
        }
    }

    /// y_i = W_i·x for several matrices sharing the input (Q/K/V, gate/up) in one parallel pass: x is quantized
    /// once and the rows of all matrices are split across threads together, halving thread hand-offs per layer.
    public static func matvec(_ ws: [WeightMatrix], _ x: UnsafePointer<Float>, _ ys: [UnsafeMutablePointer<Float>]) {
        precondition(ws.count == ys.count && !ws.isEmpty, "one output per matrix")
        let cols = ws[0].cols
        precondition(ws.allSatisfy { $0.cols == cols }, "grouped matrices must share the input width")
        let nb = cols / 32
        let anyQuantized = ws.contains { if case .quantized = $0.storage { return true } else { return false } }
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: max(1, cols)) { xq in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, 2 * nb)) { scales in
                if anyQuantized { ek_quantize_q8(x, Int32(cols), xq.baseAddress!, scales.baseAddress!, scales.baseAddress! + nb) }
                collect(ws, 0, []) { bases in
                    let plan = zip(ws, bases).map { w, base -> (UnsafeSendable<UnsafeRawPointer>, Int32, Int, Int) in
                        switch w.storage {
                        case .f32: return (UnsafeSendable(base), -1, 0, w.rows)
                        case .quantized(let f, _): return (UnsafeSendable(base), f.kernelID, nb * f.blockBytes, w.rows)
                        }
                    }
                    let total = plan.reduce(0) { $0 + $1.3 }
                    let outs = ys.map { UnsafeSendable($0) }
                    let (q, d, s, xs) = (UnsafeSendable(UnsafePointer(xq.baseAddress!)), UnsafeSendable(UnsafePointer(scales.baseAddress!)),
                                         UnsafeSendable(UnsafePointer(scales.baseAddress! + nb)), UnsafeSendable(x))
                    parallelFor(total, minChunk: 64) { lo, hi in
                        var offset = 0
                        for (i, (base, kind, rowBytes, rows)) in plan.enumerated() {
                            let r0 = max(lo, offset) - offset, r1 = min(hi, offset + rows) - offset
                            offset += rows
                            guard r0 < r1 else { continue }
                            if kind < 0 {
                                ek_matvec_f32(base.value.assumingMemoryBound(to: Float.self), Int32(cols), Int32(r0), Int32(r1), xs.value, outs[i].value)
                            } else {
                                ek_matvec_q(kind, base.value.assumingMemoryBound(to: UInt8.self), rowBytes, Int32(r0), Int32(r1),
                                            q.value, d.value, s.value, Int32(nb), outs[i].value)
                            }
                        }
                    }
                }
            }
        }
    }

    private static func collect(_ ws: [WeightMatrix], _ i: Int, _ acc: [UnsafeRawPointer], _ body: ([UnsafeRawPointer]) -> Void) {
        if i == ws.count { body(acc); return }
        ws[i].withRawStorage { collect(ws, i + 1, acc + [$0], body) }
    }
}
