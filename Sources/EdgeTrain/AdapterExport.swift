import EdgeModel
import EdgeTensor
import Foundation

/// PEFT's on-disk LoRA layout: `adapter_model.safetensors` (keys
/// `base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight`, A (r, in) and B (out, r), F32) and
/// `adapter_config.json`, so `peft.PeftModel.from_pretrained(base, directory)` loads them on the base model.
public enum AdapterExport {
    /// Writes the adapters into `directory` (created if needed). `baseModel` goes into
    /// `base_model_name_or_path` (informational; PEFT loads onto whatever base it is given).
    public static func peft(_ adapters: LoRAAdapters, baseModel: String, directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var w = SafetensorsWriter()
            try adapters.forEach { name, t in try w.add(name, shape: t.shape, values: t.scalars, as: .f32) }
            try w.write(to: directory + "/adapter_model.safetensors")
            let c = adapters.config
            let config: [String: Any] = [
                "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": c.rank, "lora_alpha": c.alpha,
                "target_modules": c.targets.map(\.rawValue), "lora_dropout": 0.0, "bias": "none",
                "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true, "use_rslora": false,
                "use_dora": false, "modules_to_save": NSNull(), "base_model_name_or_path": baseModel,
                "revision": NSNull(), "layers_to_transform": NSNull(), "layers_pattern": NSNull(),
                "rank_pattern": [String: Int](), "alpha_pattern": [String: Double](),
            ]
            try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
                .write(to: URL(fileURLWithPath: directory + "/adapter_config.json"), options: .atomic)
        } catch let e as TrainError {
            throw e
        } catch {
            throw TrainError.unwritableOutput(path: directory, reason: "\(error)")
        }
    }

    /// Reads adapters written by `peft` (or by PEFT itself, F32/F16/BF16) with the given configuration.
    public static func read(_ dims: LlamaDims, config: LoRAConfig, directory: String) throws -> LoRAAdapters {
        let path = directory + "/adapter_model.safetensors"
        var adapters = LoRAAdapters(zeros: dims, config: config)
        do {
            let file = try SafetensorsFile(path: path)
            try adapters.forEachMutable { name, t in
                let stored = try file.tensor(name)
                guard stored.shape == t.shape else {
                    throw LoRAError.badAdapterFile(path: path, reason: "\(name) has shape \(stored.shape), expected \(t.shape)")
                }
                t = Tensor(shape: t.shape, scalars: try stored.floats())
            }
        } catch let e as LoRAError {
            throw e
        } catch {
            throw LoRAError.badAdapterFile(path: path, reason: "\(error)")
        }
        return adapters
    }
}
