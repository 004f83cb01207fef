import EdgeOptim
import EdgeTensor
import Foundation
import Testing

/// Computed optimizer-state bytes at TinyLlama-1.1B's shape against reference/optimizers.md §7.
@Suite struct OptimizerMemoryTests {
    /// HF names and shapes of a Llama (untied head): C 2048, L 22, 32/4 heads of 64, F 5632, V 32000.
    static func llamaShapes(C: Int = 2048, L: Int = 22, NH: Int = 32, NKV: Int = 4, hd: Int = 64, F: Int = 5632,
                            V: Int = 32000) -> [(name: String, shape: [Int])] {
        var s: [(name: String, shape: [Int])] = [("model.embed_tokens.weight", [V, C])]
        for l in 0..<L {
            let p = "model.layers.\(l)."
            s += [(p + "input_layernorm.weight", [C]), (p + "self_attn.q_proj.weight", [NH * hd, C]),
                  (p + "self_attn.k_proj.weight", [NKV * hd, C]), (p + "self_attn.v_proj.weight", [NKV * hd, C]),
                  (p + "self_attn.o_proj.weight", [C, NH * hd]), (p + "post_attention_layernorm.weight", [C]),
                  (p + "mlp.gate_proj.weight", [F, C]), (p + "mlp.up_proj.weight", [F, C]), (p + "mlp.down_proj.weight", [C, F])]
        }
        return s + [("model.norm.weight", [C]), ("lm_head.weight", [V, C])]
    }

    static func bytes(_ name: String, _ flags: [String: String]) throws -> Int {
        try OptimizerFactory.estimatedStateBytes(name: name, options: try OptimizerOptions.parse(flags), shapes: llamaShapes())
    }

    /// Float32 element counts of reference §7 reproduce exactly (4 bytes each; history Gram matrices are extra).
    @Test func tinyLlamaMatchesTheReferenceTables() throws {
        let shapes = Self.llamaShapes()
        #expect(shapes.reduce(0) { $0 + $1.shape.reduce(1, *) } == 1_100_048_384)
        #expect(try Self.bytes("adamw", [:]) == 4 * 2_200_096_768)
        #expect(try Self.bytes("galore", ["--rank": "512"]) == 4 * 899_600_384)
        #expect(try Self.bytes("galore", ["--rank": "256"]) == 4 * 605_474_816)
        #expect(try Self.bytes("galore", ["--rank": "128"]) == 4 * 433_901_568)
        let gram = 8 * 10 * 10 * 22 * 7   // s×s Float64 per projected matrix
        for (r, elements) in [(512, 3_494_825_984), (256, 2_018_430_976), (128, 1_140_379_648)] {
            #expect(try Self.bytes("natural-galore", ["--rank": "\(r)", "--history": "10", "--history-precision": "exact"]) == 4 * elements + gram)
        }
        // Two-sided (public-code) form. r = 256, 128 equal §7; at r = 512 §7 counts the Tucker core of k/v_proj
        // (256×2048) as 256×512 (rank clipped per mode, 1,078,382,592), while galore-torch `full` keeps
        // r' = min(r, m, n) = 256 on both sides.
        for (r, elements) in [(512, 1_020_710_912), (256, 585_289_728), (128, 393_531_392)] {
            #expect(try Self.bytes("natural-galore", ["--rank": "\(r)", "--history": "10", "--history-precision": "exact",
                                                      "--proj-type": "full"]) == 4 * elements + gram)
        }
    }

    /// The target: Natural GaLore state ≤ 40% of AdamW's Float32 state at r = 256, s = 10, which needs
    /// 8-bit moments with an 8-bit history (BF16 history lands at 41%). Prints the comparison table.
    @Test func compactNaturalGaLoreBeatsForty() throws {
        let adamw = Double(try Self.bytes("adamw", [:]))
        var rows: [(String, Int)] = [("adamw 32-bit", Int(adamw)), ("adamw 8-bit", try Self.bytes("adamw", ["--state-bits": "8"]))]
        for r in [128, 256, 512] {
            for bits in ["32", "8"] { rows.append(("galore r\(r) \(bits)-bit", try Self.bytes("galore", ["--rank": "\(r)", "--state-bits": bits]))) }
        }
        for proj in ["std", "full"] {
            for s in [10, 20] {
                for hp in HistoryPrecision.allCases {
                    for bits in ["32", "8"] {
                        rows.append(("natural r256 \(proj) s\(s) \(hp) history, \(bits)-bit moments", try Self.bytes("natural-galore", [
                            "--rank": "256", "--history": "\(s)", "--proj-type": proj, "--history-precision": hp.rawValue, "--state-bits": bits])))
                    }
                }
            }
        }
        rows.append(("adarankgrad r256 (upper bound)", try Self.bytes("adarankgrad", ["--rank": "256"])))
        for (label, b) in rows {
            print(String(format: "memory %-55@ %14ld B  %7.3f GB  %5.1f%% of AdamW", label as NSString, b, Double(b) / 1e9, 100 * Double(b) / adamw))
        }
        let compact = try Self.bytes("natural-galore", ["--rank": "256", "--history": "10", "--history-precision": "int8", "--state-bits": "8"])
        #expect(Double(compact) <= 0.40 * adamw)
        let twoSided = try Self.bytes("natural-galore", ["--rank": "256", "--history": "10", "--proj-type": "full"])
        #expect(Double(twoSided) <= 0.40 * adamw)
    }
}
