import EdgeTensor

/// The transformers-form AdamW (reference §1) with optional bitsandbytes 8-bit moments: the `adamw` of the
/// factory. Per parameter: t ← t+1; M, V ← Adam(G); W ← W − lr·√(1−β2ᵗ)/(1−β1ᵗ)·M/(√V+ε); W ← W − lr·wd·W.
/// State bytes: 8 per element (`.full`), or 2·(n + 4⌈n/256⌉) for tensors of n ≥ 4096 elements with `.int8`.
public final class AdamWHF: Optimizer {
    public let adam: AdamHyperparameters
    public let stateBits: StateBits
    let table = LowRankTable()

    public init(_ adam: AdamHyperparameters = AdamHyperparameters(), stateBits: StateBits = .full) throws {
        try adam.validate()
        self.adam = adam
        self.stateBits = stateBits
    }

    public func update(_ name: String, parameter: inout Tensor, gradient: Tensor, lr: Float) throws {
        table.plainUpdate(name, parameter: &parameter, gradient: gradient, lr: lr, hyper: adam, bits: stateBits)
    }

    public var stateBytes: Int { table.stateBytes }
    public func stateDict() -> [String: Tensor] { table.stateDict() }
    public func loadStateDict(_ state: [String: Tensor]) throws {
        try table.loadStateDict(state, settings: GaLore.Settings(stateBits: stateBits, adam: adam), natural: nil)
    }

    public static func estimatedStateBytes(shapes: [(name: String, shape: [Int])], stateBits: StateBits) -> Int {
        shapes.reduce(0) { $0 + AdamMoments<Float>.bytes(count: $1.shape.reduce(1, *), bits: stateBits.forPlain($1.name)) }
    }
}

/// Optimizer settings as the CLI spells them (`edgeagent finetune|bench --optimizer … --rank …`), with every
/// default in this one block. Defaults come from the settings types, so each value is written once.
public struct OptimizerOptions: Sendable, Equatable {
    public static let defaultOptimizer = "adamw"
    public static let defaultRank = GaLore.Settings.defaultRank                       // --rank 128
    public static let defaultUpdateGap = GaLore.Settings.defaultUpdateGap             // --update-gap 200
    public static let defaultScale = GaLore.Settings.defaultScale                     // --scale 0.25
    public static let defaultProjectionType = GaLore.Settings.defaultProjectionType   // --proj-type std
    public static let defaultStateBits = GaLore.Settings.defaultStateBits             // --state-bits 32
    public static let defaultHistory = NaturalGradientSettings.defaultHistorySize     // --history 20
    public static let defaultDamping = NaturalGradientSettings.defaultDamping         // --damping 1e-3
    public static let defaultHistoryPrecision = NaturalGradientSettings.defaultHistoryPrecision   // --history-precision
    public static let defaultResetHistory = NaturalGradientSettings.defaultResetHistoryOnRefresh  // --reset-history
    public static let defaultWeightDecay = AdamHyperparameters.defaultWeightDecay     // --weight-decay 0

    /// CLI option name → the property it sets (`parse` accepts these keys, with or without the dashes).
    public static let optionNames: [String: String] = [
        "--rank": "rank", "--update-gap": "updateGap", "--scale": "scale", "--history": "history",
        "--damping": "damping", "--proj-type": "projectionType", "--state-bits": "stateBits",
        "--history-precision": "historyPrecision", "--reset-history": "resetHistory", "--weight-decay": "weightDecay",
    ]

    public var rank = Self.defaultRank
    public var updateGap = Self.defaultUpdateGap
    public var scale = Self.defaultScale
    public var projectionType = Self.defaultProjectionType
    public var stateBits = Self.defaultStateBits
    public var history = Self.defaultHistory
    public var damping = Self.defaultDamping
    public var historyPrecision = Self.defaultHistoryPrecision
    public var resetHistory = Self.defaultResetHistory
    public var weightDecay = Self.defaultWeightDecay

    public init() {}

    /// Options from CLI-style pairs, e.g. `["--rank": "256", "--proj-type": "full"]`. Unknown names and bad
    /// values throw `OptimizerError.badHyperparameter` naming the option.
    public static func parse(_ pairs: [String: String]) throws -> OptimizerOptions {
        var o = OptimizerOptions()
        for (rawKey, value) in pairs {
            let key = rawKey.hasPrefix("--") ? rawKey : "--" + rawKey
            func bad(_ expected: String) -> OptimizerError { .badHyperparameter("\(key) \(value): expected \(expected)") }
            switch key {
            case "--rank": guard let v = Int(value) else { throw bad("an integer") }; o.rank = v
            case "--update-gap": guard let v = Int(value) else { throw bad("an integer") }; o.updateGap = v
            case "--scale": guard let v = Double(value) else { throw bad("a number") }; o.scale = v
            case "--history": guard let v = Int(value) else { throw bad("an integer") }; o.history = v
            case "--damping": guard let v = Double(value) else { throw bad("a number") }; o.damping = v
            case "--weight-decay": guard let v = Double(value) else { throw bad("a number") }; o.weightDecay = v
            case "--proj-type":
                guard let v = GaLoreProjectionType(rawValue: value) else { throw bad("std, reverse_std, left, right or full") }
                o.projectionType = v
            case "--state-bits":
                guard let b = Int(value), let v = StateBits(rawValue: b) else { throw bad("32 or 8") }
                o.stateBits = v
            case "--history-precision":
                guard let v = HistoryPrecision(rawValue: value) else { throw bad("exact, bf16 or int8") }
                o.historyPrecision = v
            case "--reset-history":
                guard let v = Bool(value) else { throw bad("true or false") }
                o.resetHistory = v
            default:
                throw OptimizerError.badHyperparameter("unknown optimizer option \(key) (known: \(optionNames.keys.sorted().joined(separator: ", ")))")
            }
        }
        return o
    }

    var adam: AdamHyperparameters { AdamHyperparameters(weightDecay: weightDecay) }
    var galore: GaLore.Settings {
        GaLore.Settings(rank: rank, updateGap: updateGap, scale: scale, projectionType: projectionType, stateBits: stateBits, adam: adam)
    }
    var natural: NaturalGaLore.Settings {
        NaturalGaLore.Settings(galore: galore, natural: NaturalGradientSettings(
            historySize: history, damping: damping, resetHistoryOnRefresh: resetHistory, historyPrecision: historyPrecision))
    }
    var adaRank: AdaRankGrad.Settings {
        AdaRankGrad.Settings(maxRank: rank, minRank: min(AdaRankGrad.Settings.defaultMinRank, rank), maxPeriod: updateGap,
                             scale: scale, stateBits: stateBits, adam: adam)
    }
}

/// Builds the optimizer `edgeagent finetune --optimizer NAME` asks for.
public enum OptimizerFactory {
    /// The names `make` accepts (LoRA changes the model, so it lives with the trainer).
    public static let names = ["adamw", "galore", "natural-galore", "adarankgrad"]

    /// `adamw` → `AdamWHF`; `galore` → `GaLore`; `natural-galore` → `NaturalGaLore`; `adarankgrad` → `AdaRankGrad`
    /// (`--rank` is its maximum rank, `--update-gap` its maximum period).
    public static func make(name: String, options: OptimizerOptions = OptimizerOptions()) throws -> any Optimizer {
        switch name {
        case "adamw": return try AdamWHF(options.adam, stateBits: options.stateBits)
        case "galore": return try GaLore(options.galore)
        case "natural-galore": return try NaturalGaLore(options.natural)
        case "adarankgrad": return try AdaRankGrad(options.adaRank)
        default: throw OptimizerError.badHyperparameter("unknown optimizer '\(name)' (known: \(names.joined(separator: ", ")))")
        }
    }

    /// Optimizer-state bytes for a model given its parameters' names and shapes, without allocating:
    /// equal to `stateBytes` after every parameter has stepped (an upper bound for `adarankgrad`).
    public static func estimatedStateBytes(name: String, options: OptimizerOptions = OptimizerOptions(),
                                           shapes: [(name: String, shape: [Int])]) throws -> Int {
        switch name {
        case "adamw": return AdamWHF.estimatedStateBytes(shapes: shapes, stateBits: options.stateBits)
        case "galore": return GaLore.estimatedStateBytes(shapes: shapes, settings: options.galore)
        case "natural-galore": return NaturalGaLore.estimatedStateBytes(shapes: shapes, settings: options.natural)
        case "adarankgrad": return AdaRankGrad.estimatedStateBytes(shapes: shapes, settings: options.adaRank)
        default: throw OptimizerError.badHyperparameter("unknown optimizer '\(name)' (known: \(names.joined(separator: ", ")))")
        }
    }
}
