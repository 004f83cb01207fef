import EdgePlan
import Foundation

/// Settings of ``ToolRAGTrainer``; every default is written once, here.
public struct ToolRAGTrainingOptions: Sendable, Equatable {
    public static let defaultEpochs = 5
    public static let defaultLearningRate: Float = 0.01
    /// w₊ of the loss: a missed tool costs this many false alarms (recall matters more than brevity;
    /// the TinyAgent reproduction needed a positive weight too).
    public static let defaultPositiveWeight: Float = 4
    public static let defaultWeightDecay: Float = 0
    /// Share of the templates held out to tune the threshold.
    public static let defaultValidationShare = 0.15
    /// The threshold is the largest grid value whose held-out recall reaches this.
    public static let defaultTargetRecall = 0.99
    /// Candidate thresholds, tried from the largest down.
    public static let thresholdGrid: [Float] = [0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.12, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.025,
                                                  0.02, 0.015, 0.01, 0.007, 0.005]

    public var features: ToolRAGFeatures
    public var epochs: Int
    public var learningRate: Float
    public var positiveWeight: Float
    public var weightDecay: Float
    public var seed: UInt64
    public var validationShare: Double
    public var targetRecall: Double
    /// A fixed threshold instead of the tuned one.
    public var threshold: Float?
    public var minConfidence: Float

    public init(features: ToolRAGFeatures = ToolRAGFeatures(), epochs: Int = Self.defaultEpochs,
                learningRate: Float = Self.defaultLearningRate, positiveWeight: Float = Self.defaultPositiveWeight,
                weightDecay: Float = Self.defaultWeightDecay, seed: UInt64 = 0,
                validationShare: Double = Self.defaultValidationShare, targetRecall: Double = Self.defaultTargetRecall,
                threshold: Float? = nil, minConfidence: Float = ToolRAGModel.defaultMinConfidence) {
        self.features = features
        self.epochs = epochs
        self.learningRate = learningRate
        self.positiveWeight = positiveWeight
        self.weightDecay = weightDecay
        self.seed = seed
        self.validationShare = validationShare
        self.targetRecall = targetRecall
        self.threshold = threshold
        self.minConfidence = minConfidence
    }
}

/// What a training run did.
public struct ToolRAGTrainingReport: Sendable, Codable, Equatable {
    public var examples: Int
    /// Examples of the held-out templates used to tune the threshold (0 when the threshold was given).
    public var validationExamples: Int
    public var labels: [String]
    public var threshold: Float
    /// Held-out recall (gold tools ⊆ selection) at the chosen threshold, before retraining on everything.
    public var validationRecall: Double?
    /// Held-out mean number of tools selected at the chosen threshold.
    public var validationMeanTools: Double?
    /// Mean weighted BCE per example and label over the last epoch.
    public var finalLoss: Double
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case examples, labels, threshold, seconds
        case validationExamples = "validation_examples"
        case validationRecall = "validation_recall"
        case validationMeanTools = "validation_mean_tools"
        case finalLoss = "final_loss"
    }
}

/// Trains a ``ToolRAGModel`` from planning examples (query → gold `tools`).
///
/// Loss per example and label, with y ∈ {0, 1} and w₊ = ``ToolRAGTrainingOptions/positiveWeight``:
/// ℓ = −[w₊·y·log p + (1 − y)·log(1 − p)], so ∂ℓ/∂z = (1 − y)·p − w₊·y·(1 − p).
/// Optimiser: Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) applied per example to the bias and to the weights of the
/// features present ("lazy" sparse Adam), with decoupled weight decay on the touched weights. Examples are
/// shuffled each epoch with a seeded SplitMix64, so a run is reproducible.
///
/// Threshold: unless given, the examples are split by template (a stable hash of `source`, or of `id` for
/// imported data) into train and held-out parts; a model trained on the train part picks the largest grid
/// threshold whose held-out recall reaches the target, then the final model is trained on all examples.
public enum ToolRAGTrainer {
    /// Trains on `examples`; labels are `labels` (default: TinyAgent's 16 tools in prompt order, then any
    /// other tool the data uses).
    public static func train(_ examples: [DatasetExample], labels: [String]? = nil,
                             options: ToolRAGTrainingOptions = ToolRAGTrainingOptions()) throws(AgentError)
        -> (model: ToolRAGModel, report: ToolRAGTrainingReport) {
        let start = DispatchTime.now().uptimeNanoseconds
        try options.features.validate()
        guard options.epochs >= 1 else { throw .toolRAG("epochs must be at least 1, got \(options.epochs)") }
        guard options.learningRate > 0, options.positiveWeight > 0 else {
            throw .toolRAG("learning rate and positive weight must be positive")
        }
        let usable = examples.filter { !$0.tools.isEmpty && !$0.query.isEmpty }
        guard !usable.isEmpty else { throw .toolRAG("no training examples with a query and gold tools") }
        let names = labels ?? defaultLabels(usable)

        var threshold = options.threshold
        var validationCount = 0
        var validation: ToolRAGReport?
        if threshold == nil {
            let (trainPart, heldOut) = splitByTemplate(usable, share: options.validationShare)
            if heldOut.isEmpty || trainPart.isEmpty {
                threshold = ToolRAGModel.defaultThreshold
            } else {
                var probe = fit(trainPart, labels: names, options: options).model
                let (t, report) = tuneThreshold(&probe, heldOut, target: options.targetRecall)
                threshold = t
                validation = report
                validationCount = heldOut.count
            }
        }
        var (model, loss) = fit(usable, labels: names, options: options)
        model.threshold = threshold ?? ToolRAGModel.defaultThreshold
        let report = ToolRAGTrainingReport(
            examples: usable.count, validationExamples: validationCount, labels: names, threshold: model.threshold,
            validationRecall: validation?.recall, validationMeanTools: validation?.meanToolsSelected, finalLoss: loss,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return (model, report)
    }

    /// TinyAgent's tool order, then other tools in first-use order.
    static func defaultLabels(_ examples: [DatasetExample]) -> [String] {
        var names = TinyAgentToolNames.all
        for e in examples { for t in e.tools where t != ToolSet.joinName && !names.contains(t) { names.append(t) } }
        return names
    }

    /// (train, held-out): an example is held out when the hash of its template falls in the first
    /// `share` of the hash range, so all examples of one template land on the same side.
    static func splitByTemplate(_ examples: [DatasetExample], share: Double) -> ([DatasetExample], [DatasetExample]) {
        guard share > 0 else { return (examples, []) }
        let cut = UInt64(Double(UInt64.max) * min(share, 1))
        var train: [DatasetExample] = [], held: [DatasetExample] = []
        for e in examples {
            let key = e.template ?? e.id
            if ToolRAGFeatures.fnv1a("template " + key) < cut { held.append(e) } else { train.append(e) }
        }
        return (train, held)
    }

    /// Sets the largest grid threshold reaching `target` recall on `heldOut` (the smallest one if none
    /// does) and returns it with the held-out report at that threshold.
    static func tuneThreshold(_ model: inout ToolRAGModel, _ heldOut: [DatasetExample],
                              target: Double) -> (Float, ToolRAGReport) {
        let probabilities = heldOut.map { model.probabilities(model.features.vector($0.query)) }
        var best: (Float, ToolRAGReport)?
        for t in ToolRAGTrainingOptions.thresholdGrid {
            model.threshold = t
            let report = ToolRAGEvaluation.evaluate(model, heldOut, probabilities: probabilities)
            best = (t, report)
            if report.recall >= target { break }
        }
        // The grid is non-empty, so `best` is set.
        let (t, report) = best ?? (ToolRAGModel.defaultThreshold, ToolRAGEvaluation.evaluate(model, heldOut))
        model.threshold = t
        return (t, report)
    }

    /// One training run over `examples`: the model and the last epoch's mean loss.
    static func fit(_ examples: [DatasetExample], labels: [String],
                    options: ToolRAGTrainingOptions) -> (model: ToolRAGModel, loss: Double) {
        var model = ToolRAGModel(labels: labels, features: options.features, minConfidence: options.minConfidence)
        let L = labels.count
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let xs = examples.map { options.features.vector($0.query) }
        let ys = examples.map { e -> [Float] in
            var y = [Float](repeating: 0, count: L)
            for t in e.tools { if let i = index[t] { y[i] = 1 } }
            return y
        }
        var adam = SparseAdam(weights: model.weights.count, biases: L, learningRate: options.learningRate,
                              weightDecay: options.weightDecay)
        var rng = SplitMix64(seed: options.seed)
        var order = Array(examples.indices)
        var loss = 0.0
        var grad = [Float](repeating: 0, count: L)
        for _ in 0..<options.epochs {
            // Fisher–Yates with our own RNG (the standard library's shuffle algorithm is unspecified).
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
            loss = 0
            for i in order {
                let (x, y) = (xs[i], ys[i])
                let p = model.probabilities(x)
                for l in 0..<L {
                    let pl = min(max(p[l], 1e-7), 1 - 1e-7)
                    grad[l] = (1 - y[l]) * p[l] - options.positiveWeight * y[l] * (1 - p[l])
                    loss -= Double(options.positiveWeight * y[l] * Foundation.log(pl) + (1 - y[l]) * Foundation.log(1 - pl))
                }
                adam.step(&model, x: x, grad: grad)
            }
            loss /= Double(max(1, examples.count * L))
        }
        return (model, loss)
    }
}

/// Adam over the bias and the touched weight rows only (lazy sparse Adam), with decoupled weight decay.
struct SparseAdam {
    static let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8

    var m: [Float], v: [Float], mb: [Float], vb: [Float]
    var t = 0
    let learningRate: Float, weightDecay: Float

    init(weights: Int, biases: Int, learningRate: Float, weightDecay: Float) {
        m = [Float](repeating: 0, count: weights)
        v = m
        mb = [Float](repeating: 0, count: biases)
        vb = mb
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    /// One update from ∂ℓ/∂z_l = `grad[l]`: ∂ℓ/∂b_l = grad[l], ∂ℓ/∂W[f, l] = grad[l]·x_f.
    mutating func step(_ model: inout ToolRAGModel, x: ToolRAGFeatures.Vector, grad: [Float]) {
        t += 1
        let (b1, b2) = (Self.beta1, Self.beta2)
        let c1 = 1 - Foundation.pow(b1, Float(t)), c2 = 1 - Foundation.pow(b2, Float(t))
        let lr = learningRate
        let L = grad.count
        for l in 0..<L {
            mb[l] = b1 * mb[l] + (1 - b1) * grad[l]
            vb[l] = b2 * vb[l] + (1 - b2) * grad[l] * grad[l]
            model.bias[l] -= lr * (mb[l] / c1) / ((vb[l] / c2).squareRoot() + Self.epsilon)
        }
        for f in x.indices {
            let base = f * L
            for l in 0..<L {
                let k = base + l
                let g = grad[l] * x.value
                m[k] = b1 * m[k] + (1 - b1) * g
                v[k] = b2 * v[k] + (1 - b2) * g * g
                model.weights[k] -= lr * ((m[k] / c1) / ((v[k] / c2).squareRoot() + Self.epsilon) + weightDecay * model.weights[k])
            }
        }
    }
}
