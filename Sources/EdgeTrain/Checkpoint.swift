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

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", step, loader, bestLoss = "best_loss"
        case consecutiveBadSteps = "consecutive_bad_steps", elapsedSeconds = "elapsed_s"
    }
}

/// A resumable checkpoint directory: `model.safetensors` (HF names), `optimizer.safetensors` (state dict),
/// `trainer_state.json`, `config.json`. Written atomically: files go to a temporary sibling directory,
/// are fsynced, then the directory is renamed into place; the previous checkpoint is removed only after.
public enum Checkpoint {
    static let modelFile = "model.safetensors", optimizerFile = "optimizer.safetensors"
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
        let fm = FileManager.default
        let final = URL(fileURLWithPath: directory)
        let tmp = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).tmp-\(getpid())")
        let old = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).old")
        do {
            try? fm.removeItem(at: tmp)
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            try writeWeights(parameters, to: tmp.appendingPathComponent(modelFile).path, dtype: weightDType)
            var opt = SafetensorsWriter()
            for (name, t) in optimizer.stateDict().sorted(by: { $0.key < $1.key }) {
                try opt.add(name, shape: t.shape, values: t.scalars, as: .f32)
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
        var p = parameters
        do {
            try readWeights(directory + "/" + modelFile, into: &p)
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
        parameters = p
        return state
    }

    static func writeSynced(_ data: Data, to url: URL) throws {
        try data.write(to: url)
        let fd = open(url.path, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
