import ArgumentParser
import EdgeModel
import EdgeTrain
import Foundation

/// `edgeagent export`: write a model as a Hugging Face directory (safetensors) or a llama.cpp GGUF file.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a model as safetensors (HF directory) or GGUF (llama.cpp).")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "safetensors or gguf.") var format: String
    @Option(help: "Output directory (safetensors) or file (gguf).") var out: String
    @Option(help: "Tensor type: f32, f16, bf16 (safetensors); f32, f16, q8_0, q4_0, q4_1 (gguf).") var type = "f32"

    func run() throws {
        let checkpoint = try LlamaCheckpoint.open(modelOptions.model)
        let params = try checkpoint.llamaParameters(seed: modelOptions.weightSeed)
        switch format {
        case "safetensors":
            guard ["f32", "bf16"].contains(type) else { throw ValidationError("safetensors export supports --type f32 or bf16") }
            let tok = try LoadedModel.loadTokenizer(checkpoint, override: modelOptions.tokenizer)
            let template = try LoadedModel.chatTemplate(checkpoint, tokenizer: tok, override: modelOptions.chatTemplate,
                                                             tokenizerOverride: modelOptions.tokenizer)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try ModelExport.huggingFace(params, config: checkpoint.config, checkpoint: checkpoint, tokenizer: tok,
                                        template: template, directory: out, bf16: type == "bf16")
        case "gguf":
            guard let dtype = TensorDType(rawValue: type.uppercased()) ?? TensorDType(rawValue: type),
                  [.f32, .f16, .q8_0, .q4_0, .q4_1].contains(dtype) else {
                throw ValidationError("gguf export supports --type f32, f16, q8_0, q4_0, q4_1")
            }
            try LlamaExport.gguf(params, config: checkpoint.config, path: out, type: dtype,
                                 metadata: try GGUFTokenizerExport.metadata(for: checkpoint))
        default:
            throw ValidationError("--format must be safetensors or gguf")
        }
        print("wrote \(out)")
    }
}
