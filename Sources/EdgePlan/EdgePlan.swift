public enum EdgePlanInfo { public static let name = "EdgePlan" }
