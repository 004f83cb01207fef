import Foundation

/// Learning-rate schedules with linear warmup, as transformers' `get_cosine_schedule_with_warmup` and
/// `get_linear_schedule_with_warmup`. `lr(step)` is the rate used for optimizer step `step` (0-based).
public struct LRSchedule: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case constant, linear, cosine }

    public var kind: Kind
    public var baseLR: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(kind: Kind, baseLR: Double, warmupSteps: Int, totalSteps: Int) {
        (self.kind, self.baseLR, self.warmupSteps, self.totalSteps) = (kind, baseLR, warmupSteps, totalSteps)
    }

    /// Multiplier of `baseLR` at `step`:
    /// warmup: step / max(1, warmup); then constant 1, linear max(0, (total − step)/max(1, total − warmup)),
    /// or cosine max(0, ½(1 + cos(π·progress))) with progress = (step − warmup)/max(1, total − warmup).
    public func factor(_ step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        switch kind {
        case .constant:
            return 1
        case .linear:
            return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
        case .cosine:
            let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
            return max(0, 0.5 * (1 + cos(Double.pi * progress)))
        }
    }

    public func lr(_ step: Int) -> Double { baseLR * factor(step) }
}
