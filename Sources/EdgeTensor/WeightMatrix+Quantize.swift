extension WeightMatrix {
    /// The same matrix stored in `format` (rows dequantized to Float32 and re-quantized one at a time, as
    /// llama.cpp's `quantize` does), or self when it already is. `cols` must be a multiple of the block size.
    public func quantized(to format: BlockFormat) -> WeightMatrix {
        if case .quantized(let f, _) = storage, f == format { return self }
        precondition(cols % format.blockSize == 0, "\(format) needs cols divisible by \(format.blockSize), got \(cols)")
        let rowBytes = cols / format.blockSize * format.blockBytes
        var bytes = [UInt8](repeating: 0, count: rows * rowBytes)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: cols) { scratch in
            bytes.withUnsafeMutableBytes { dst in
                for r in 0..<rows {
                    row(r, into: scratch.baseAddress!)
                    format.quantizeRow(scratch.baseAddress!, count: cols, into: dst.baseAddress! + r * rowBytes)
                }
            }
        }
        return WeightMatrix(rows: rows, cols: cols, format: format, bytes: bytes)
    }
}
