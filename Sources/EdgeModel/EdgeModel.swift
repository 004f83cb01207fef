public enum EdgeModelInfo { public static let name = "EdgeModel" }
