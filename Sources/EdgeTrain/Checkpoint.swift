import EdgeModel
import EdgeOptim
import EdgeTensor
import Foundation

/// Where training stands: everything besides weights and optimizer state that resuming needs.
public struct TrainerState: Codable, Sendable, Equatable {
    public static let formatVersion = 1
    public var formatVersion = Self.formatVersion
    /// Optimizer steps completed.
    public var step: Int
    public var loader: BatchLoader.Position
    public var bestLoss: Double?
    public var consecutiveBadSteps: Int
    /// Wall seconds spent before this checkpoint (for summaries across resumes).
    public var elapsedSeconds: Double

    public init(step: Int, loader: BatchLoader.Position = .init(), bestLoss: Double? = nil, consecutiveBadSteps: Int = 0,
                elapsedSeconds: Double = 0) {
        (self.step, self.loader, self.bestLoss, self.consecutiveBadSteps, self.elapsedSeconds) =
            (step, loader, bestLoss, consecutiveBadSteps, elapsedSeconds)
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", step, loader, bestLoss = "best_loss"
        case consecutiveBadSteps = "consecutive_bad_steps", elapsedSeconds = "elapsed_s"
    }
}

/// A resumable checkpoint directory: `model.safetensors` (HF names; with LoRA instead
/// `adapter_model.safetensors`, PEFT names — the frozen base is re-read from the model), `optimizer.safetensors`
/// (state dict), `trainer_state.json`, `config.json`. Written atomically: files go to a temporary sibling directory,
/// are fsynced, then the directory is renamed into place; the previous checkpoint is removed only after.
public enum Checkpoint {
    static let modelFile = "model.safetensors", adapterFile = "adapter_model.safetensors", optimizerFile = "optimizer.safetensors"
    static let stateFile = "trainer_state.json", configFile = "config.json"

    /// Writes the parameters as a safetensors file with Hugging Face names (F32 or BF16 storage).
    public static func writeWeights(_ p: LlamaParameters, to path: String, dtype: TensorDType = .f32) throws {
        var w = SafetensorsWriter()
        try p.forEach { name, t in try w.add(name, shape: t.shape, values: t.scalars, as: dtype) }
        try w.write(to: path)
    }

    /// Reads parameters written by `writeWeights` (or any HF Llama safetensors) into `into`'s shapes.
    public static func readWeights(_ path: String, into p: inout LlamaParameters) throws {
        let file = try SafetensorsFile(path: path)
        try p.forEachMutable { name, t in
            let stored = try file.tensor(name)
            guard stored.shape == t.shape else {
                throw TrainError.corruptCheckpoint(path: path, reason: "\(name) has shape \(stored.shape), model expects \(t.shape)")
            }
            t = Tensor(shape: t.shape, scalars: try stored.floats())
        }
    }

    /// Saves a full checkpoint into `directory` (replacing any previous one there atomically).
    public static func save(directory: String, parameters: LlamaParameters, config: LlamaConfig, optimizer: any Optimizer,
                            state: TrainerState, weightDType: TensorDType = .f32) throws {
        try save(directory: directory, config: config, optimizer: optimizer, state: state) { tmp in
            try writeWeights(parameters, to: tmp + "/" + modelFile, dtype: weightDType)
        }
    }

    /// Saves the trainable tensors of `model` (base weights as `weightDType`, or F32 adapters), the optimizer
    /// state and `state` into `directory`, atomically.
    public static func save(directory: String, model: TrainableModel, config: LlamaConfig, optimizer: any Optimizer,
                            state: TrainerState, weightDType: TensorDType = .f32) throws {
        try save(directory: directory, config: config, optimizer: optimizer, state: state) { tmp in
            var w = SafetensorsWriter()
            let dtype: TensorDType = model.trainsBase ? weightDType : .f32
            try model.forEachTrainable { name, t in try w.add(name, shape: t.shape, values: t.scalars, as: dtype) }
            try w.write(to: tmp + "/" + (model.trainsBase ? modelFile : adapterFile))
        }
    }

    static func save(directory: String, config: LlamaConfig, optimizer: any Optimizer, state: TrainerState,
                     writeWeights: (String) throws -> Void) throws {
        let fm = FileManager.default
        let final = URL(fileURLWithPath: directory)
        let tmp = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).tmp-\(getpid())")
        let old = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).old")
        do {
            try? fm.removeItem(at: tmp)
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            try writeWeights(tmp.path)
            var opt = SafetensorsWriter()
            // State kept in BF16 (Natural GaLore's default history) is handed out as Float32; storing it back as
            // BF16 is lossless and halves the largest part of the file.
            for (name, t) in optimizer.stateDict().sorted(by: { $0.key < $1.key }) {
                let exact = t.scalars.withUnsafeBufferPointer(BF16.isExact)
                try opt.add(name, shape: t.shape, values: t.scalars, as: exact ? .bf16 : .f32)
            }
            try opt.write(to: tmp.appendingPathComponent(optimizerFile).path)
            try config.write(path: tmp.appendingPathComponent(configFile).path)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try writeSynced(encoder.encode(state), to: tmp.appendingPathComponent(stateFile))
            try? fm.removeItem(at: old)
            if fm.fileExists(atPath: final.path) { try fm.moveItem(at: final, to: old) }
            try fm.moveItem(at: tmp, to: final)
            try? fm.removeItem(at: old)
        } catch let e as TrainError {
            try? fm.removeItem(at: tmp)
            throw e
        } catch {
            try? fm.removeItem(at: tmp)
            throw TrainError.unwritableOutput(path: directory, reason: "\(error)")
        }
    }

    /// The checkpoint directory to resume from: `directory`, or its `.old` sibling when a save was
    /// interrupted between the two renames. Nil when there is none.
    public static func locate(_ directory: String) -> String? {
        let fm = FileManager.default
        if fm.fileExists(atPath: directory + "/" + stateFile) { return directory }
        let url = URL(fileURLWithPath: directory)
        let old = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).old").path
        return fm.fileExists(atPath: old + "/" + stateFile) ? old : nil
    }

    /// Loads a checkpoint written by `save` into `parameters` and `optimizer`; returns the trainer state.
    public static func load(directory: String, parameters: inout LlamaParameters, optimizer: any Optimizer) throws -> TrainerState {
        var p = parameters
        let state = try load(directory: directory, optimizer: optimizer) { try readWeights(directory + "/" + modelFile, into: &p) }
        parameters = p
        return state
    }

    /// Loads a checkpoint written by `save(directory:model:…)` into `model`'s trainable tensors and `optimizer`.
    public static func load(directory: String, model: TrainableModel, optimizer: any Optimizer) throws -> TrainerState {
        let path = directory + "/" + (model.trainsBase ? modelFile : adapterFile)
        return try load(directory: directory, optimizer: optimizer) {
            let file = try SafetensorsFile(path: path)
            var loaded: [String: Tensor] = [:]
            try model.forEachTrainable { name, t in
                let stored = try file.tensor(name)
                guard stored.shape == t.shape else {
                    throw TrainError.corruptCheckpoint(path: path, reason: "\(name) has shape \(stored.shape), model expects \(t.shape)")
                }
                loaded[name] = Tensor(shape: t.shape, scalars: try stored.floats())
            }
            model.update(.all) { name, t in if let v = loaded[name] { t = v } }
        }
    }

    static func load(directory: String, optimizer: any Optimizer, readWeights: () throws -> Void) throws -> TrainerState {
        let statePath = directory + "/" + stateFile
        let state: TrainerState
        do {
            state = try JSONDecoder().decode(TrainerState.self, from: Data(contentsOf: URL(fileURLWithPath: statePath)))
        } catch {
            throw TrainError.corruptCheckpoint(path: directory, reason: "\(stateFile): \(error)")
        }
        guard state.formatVersion == TrainerState.formatVersion else {
            throw TrainError.corruptCheckpoint(path: directory, reason: "format version \(state.formatVersion), expected \(TrainerState.formatVersion)")
        }
        do {
            try readWeights()
            let file = try SafetensorsFile(path: directory + "/" + optimizerFile)
            var dict: [String: Tensor] = [:]
            for name in file.tensorNames {
                let t = try file.tensor(name)
                dict[name] = Tensor(shape: t.shape, scalars: try t.floats())
            }
            try optimizer.loadStateDict(dict)
        } catch let e as TrainError {
            throw e
        } catch {
            throw TrainError.corruptCheckpoint(path: directory, reason: "\(error)")
        }
        return state
    }

    static func writeSynced(_ data: Data, to url: URL) throws {
        try data.write(to: url)
        let fd = open(url.path, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
