import ArgumentParser
import EdgeModel
import EdgeTrain

/// Flags shared by `finetune`, `bench train` and `bench memory` that change how a step runs: LoRA,
/// layer-wise updates, BF16 weight storage. `--optimizer lora` means AdamW on LoRA adapters over a frozen base.
struct TrainingModeOptions: ParsableArguments {
    @Option(help: "LoRA alpha α (adapter scaling α/r, as PEFT).") var loraAlpha = LoRAConfig.defaultAlpha
    @Option(help: "LoRA target linears, comma-separated: q,k,v,o,gate,up,down.")
    var loraTargets = LoRAConfig.defaultTargets.map(\.shortName).joined(separator: ",")
    @Flag(help: "Apply each layer's optimizer step during backward and reuse one layer-gradient buffer (clipping per tensor).")
    var layerWise = false
    @Flag(help: "Store base weights in BF16 (F32 math); halves weight memory, loses updates below BF16 precision.")
    var bf16Weights = false

    /// The LoRA configuration when `optimizer` is `lora` (rank default 8 unless `--rank` is given), else nil.
    func lora(optimizer: String, rank: Int?) throws -> LoRAConfig? {
        guard optimizer == "lora" else { return nil }
        let config = LoRAConfig(rank: rank ?? LoRAConfig.defaultRank, alpha: loraAlpha, targets: try LoRATarget.parseList(loraTargets))
        do { try config.validate() } catch { throw ValidationError("\(error)") }
        return config
    }
}
