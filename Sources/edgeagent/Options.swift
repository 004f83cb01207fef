import ArgumentParser
import EdgeInference
import EdgeModel
import EdgePlan
import EdgeTensor
import Foundation

/// `--threads N`: one setting that drives OpenBLAS and our own parallel loops (default: all cores).
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for BLAS and our kernels (default: number of cores).")
    var threads: Int?

    func apply() throws {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
            Threads.set(threads)
        } else {
            Threads.set(Threads.cores)
        }
    }
}

/// `--json`: machine-readable output on stdout.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print machine-readable JSON on stdout.")
    var json = false
}

/// `--model`, `--tokenizer`, `--chat-template`: which model to load (shared by every model command).
struct ModelOptions: ParsableArguments {
    /// The default model: SmolLM2-135M-Instruct (Q4_1 GGUF), fetched by `edgeagent model fetch`.
    static let defaultModel = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Hugging Face directory, GGUF file, or preset:NAME (tiny, small, smollm2-135m, tinyllama-1.1b).")
    var model = Self.defaultModel

    @Option(help: "Tokenizer file or directory overriding the model's own.")
    var tokenizer: String?

    @Option(help: "Chat template when the model's is missing or unknown: zephyr, chatml, smollm2.")
    var chatTemplate: String?

    @Option(help: "Seed of the random weights of preset: models.")
    var weightSeed: UInt64 = 0

    /// The model for inference; `quantize` (``QuantizeOptions``) re-stores its weight matrices.
    func load(quantize: QuantizeOptions? = nil) throws -> LoadedModel {
        if model == Self.defaultModel && !FileManager.default.fileExists(atPath: model) {
            throw ValidationError("the default model \(model) is not downloaded yet: run `edgeagent model fetch` (or pass --model)")
        }
        return try LoadedModel.load(model, tokenizerPath: tokenizer, chatTemplate: chatTemplate, seed: weightSeed,
                                    quantize: try quantize?.format(), dequantize: quantize?.isF32 ?? false)
    }
}

/// `--quantize q8_0|q4_0|q4_1|f32|none`, for the commands that run a model (generate, plan, eval, repl, serve, bench).
struct QuantizeOptions: ParsableArguments {
    @Option(help: "Store the weights as q8_0, q4_0 or q4_1 at load time (fast decoding of a Float32/BF16 model such as a fine-tuned run), as f32 (expand a GGUF's blocks: fastest for eval --batch), or none.")
    var quantize = "none"

    /// `--quantize f32`: every matrix expanded to Float32 at load time.
    var isF32: Bool { quantize.lowercased() == "f32" }

    /// The block format (nil = keep the stored format, or f32).
    func format() throws -> BlockFormat? {
        if quantize.lowercased() == "none" || isF32 { return nil }
        guard let f = BlockFormat(rawValue: quantize.uppercased()) else {
            throw ValidationError("--quantize must be q8_0, q4_0, q4_1, f32 or none, got \(quantize)")
        }
        return f
    }
}

/// `--greedy`, `--temperature`, `--top-k`, `--top-p`, `--repetition-penalty`, `--seed`.
struct SamplingOptions: ParsableArguments {
    @Flag(help: "Greedy decoding (argmax); the default unless --temperature is given.")
    var greedy = false
    @Option(help: "Sampling temperature (0 = greedy).")
    var temperature: Float?
    @Option(help: "Keep the k most likely tokens (0 = all).")
    var topK = SamplingParameters.defaultTopK
    @Option(help: "Nucleus sampling mass.")
    var topP = SamplingParameters.defaultTopP
    @Option(help: "Hugging Face repetition penalty (1 = off).")
    var repetitionPenalty = SamplingParameters.defaultRepetitionPenalty
    @Option(help: "Random seed of the sampler.")
    var seed: UInt64 = 0

    var parameters: SamplingParameters {
        guard let t = temperature, !greedy, t > 0 else {
            var g = SamplingParameters.greedy
            g.repetitionPenalty = repetitionPenalty
            return g
        }
        return SamplingParameters(temperature: t, topK: topK, topP: topP, repetitionPenalty: repetitionPenalty, seed: seed)
    }
}

extension PlanningPrompt {
    /// `--prompt-style` (nil = the model's recorded style, else compact) for the CLI: a bad value is a usage error.
    static func style(option: String?, model: String?) throws -> Style {
        do {
            return try resolveStyle(explicit: option, model: model)
        } catch PromptTemplateError.invalidStyle(let s) {
            throw ValidationError("--prompt-style must be compact, full or minimal, got \(s)")
        }
    }
}
