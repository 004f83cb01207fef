import Dispatch
import EdgeModel
import EdgeTensor

/// `edgeagent bench decode|prefill`: tokens/s of the forward pass on a fixed token stream
/// (ids 100, 101, …, the same stream as scripts/bench/llamacpp_bench.py), median over runs after a warm-up.
public enum InferenceBenchmark {
    public struct Report: Codable, Sendable {
        public var prefillTokensPerSecond: Double
        public var decodeTokensPerSecond: Double
        public var promptTokens: Int
        public var decodeTokens: Int
        public var threads: Int
        public var blasKernel: String
        public var weightBytes: Int
        /// Weight bytes streamed per second while decoding (weights are read once per token).
        public var decodeWeightGBPerSecond: Double
        enum CodingKeys: String, CodingKey {
            case prefillTokensPerSecond = "prefill_tokens_per_s", decodeTokensPerSecond = "decode_tokens_per_s"
            case promptTokens = "prompt_tokens", decodeTokens = "decode_tokens", threads, blasKernel = "blas_kernel"
            case weightBytes = "weights_bytes", decodeWeightGBPerSecond = "decode_weight_gb_per_s"
        }
    }

    public static func run(model: Llama, promptTokens: Int = 128, decodeTokens: Int = 128, runs: Int = 5,
                           progress: (String) -> Void = { _ in }) throws -> Report {
        let V = model.dims.V
        let prompt = (0..<promptTokens).map { Int32((100 + $0 % 1000) % V) }
        let state = LlamaRunState(dims: model.dims, contextLength: promptTokens + decodeTokens + 1, maxTokens: 512)
        var prefill: [Double] = [], decode: [Double] = []
        for run in 0...runs {
            progress("run \(run)/\(runs)")
            state.reset()
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try model.forward(prompt, state: state)
            let t1 = DispatchTime.now().uptimeNanoseconds
            var token: Int32 = 100 % Int32(V)
            for _ in 0..<decodeTokens {
                _ = try model.forward([token], state: state)
                token = (token + 1) % Int32(V)
            }
            let t2 = DispatchTime.now().uptimeNanoseconds
            if run > 0 {   // run 0 warms caches and pages in the weights
                prefill.append(Double(promptTokens) / (Double(t1 - t0) / 1e9))
                decode.append(Double(decodeTokens) / (Double(t2 - t1) / 1e9))
            }
        }
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        let bytes = model.weights.byteCount
        return Report(prefillTokensPerSecond: median(prefill), decodeTokensPerSecond: median(decode),
                      promptTokens: promptTokens, decodeTokens: decodeTokens, threads: Threads.count,
                      blasKernel: Threads.blasCoreName, weightBytes: bytes,
                      decodeWeightGBPerSecond: median(decode) * Double(bytes) / 1e9)
    }
}
