// A tensor as it sits in a memory-mapped model file (safetensors or GGUF): dtype, row-major shape and a
// validated byte range, read or converted on demand.
import EdgeTensor

/// Element types of stored tensors. Safetensors names are the raw values; the block formats come from GGUF.
public enum TensorDType: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
    case i8 = "I8", u8 = "U8", i16 = "I16", u16 = "U16", i32 = "I32", u32 = "U32", i64 = "I64", u64 = "U64"
    case bool = "BOOL", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"
    case q8_0 = "Q8_0", q4_0 = "Q4_0", q4_1 = "Q4_1"

    /// The block format of a quantized dtype.
    public var blockFormat: BlockFormat? {
        switch self {
        case .q8_0: return .q8_0
        case .q4_0: return .q4_0
        case .q4_1: return .q4_1
        default: return nil
        }
    }

    /// Bytes per element (for block formats: per block of `blockFormat.blockSize` elements).
    public var elementBytes: Int {
        switch self {
        case .bool, .i8, .u8, .f8e4m3, .f8e5m2: return 1
        case .f16, .bf16, .i16, .u16: return 2
        case .f32, .i32, .u32: return 4
        case .f64, .i64, .u64: return 8
        case .q8_0, .q4_0, .q4_1: return blockFormat?.blockBytes ?? 0
        }
    }

    /// True for the types `StoredTensor.floats()` converts (F32, F16, BF16 and the block formats).
    public var isFloatReadable: Bool {
        switch self {
        case .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1: return true
        default: return false
        }
    }

    /// Bytes of a tensor of `shape`, or nil when a block format's rows are not whole blocks or the size overflows.
    public func byteCount(shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        if let f = blockFormat {
            guard let cols = shape.last, cols % f.blockSize == 0 else { return nil }
            return n / f.blockSize * f.blockBytes
        }
        let (b, o) = n.multipliedReportingOverflow(by: elementBytes)
        return o ? nil : b
    }
}

/// One tensor inside a mapped file. Cheap to copy; keeps the mapping alive.
public struct StoredTensor: Sendable {
    /// Name in the file (HF name for safetensors, GGUF name for GGUF).
    public let name: String
    /// Element type.
    public let dtype: TensorDType
    /// Row-major shape, outermost first (GGUF's fastest-first dims already reversed).
    public let shape: [Int]
    let file: MappedFile
    /// Absolute byte range in the file; validated against the file size and `dtype.byteCount(shape:)`.
    let range: Range<Int>

    init(name: String, dtype: TensorDType, shape: [Int], file: MappedFile, range: Range<Int>) {
        (self.name, self.dtype, self.shape, self.file, self.range) = (name, dtype, shape, file, range)
    }

    /// The file this tensor lives in.
    public var path: String { file.path }
    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
    /// Bytes of data.
    public var byteCount: Int { range.count }
    /// Rows and columns when viewed as a matrix: (product of all but the last dim, last dim); (1, n) for 1-D.
    public var matrixShape: (rows: Int, cols: Int) {
        guard let cols = shape.last else { return (1, 1) }
        return (cols == 0 ? 0 : elementCount / cols, cols)
    }

    /// Calls `body` with the raw bytes inside the mapping (no copy). Do not let the pointer escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(file.bytes(range))
    }

    /// A copy of the raw bytes (quantized blocks stay quantized).
    public func bytes() -> [UInt8] { withUnsafeBytes { [UInt8]($0) } }

    /// All elements as Float32, row-major: F32 copied, F16/BF16 widened exactly, blocks dequantized.
    public func floats() throws -> [Float] {
        guard dtype.isFloatReadable else {
            throw ModelFormatError.unsupportedDType(file: path, tensor: name, dtype: dtype.rawValue, wanted: "Float32")
        }
        let n = elementCount
        if n == 0 { return [] }
        return [Float](unsafeUninitializedCapacity: n) { out, written in
            withUnsafeBytes { raw in Self.convert(raw, dtype, into: out.baseAddress!, count: n) }
            written = n
        }
    }

    /// Element values of an integer tensor (I8…U64, BOOL) as Int64.
    public func integers() throws -> [Int64] {
        let n = elementCount
        return try withUnsafeBytes { raw -> [Int64] in
            switch dtype {
            case .i64: return (0..<n).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case .u64: return (0..<n).map { Int64(truncatingIfNeeded: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
            case .i32: return (0..<n).map { Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            case .u32: return (0..<n).map { Int64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            case .i16: return (0..<n).map { Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) }
            case .u16: return (0..<n).map { Int64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
            case .i8: return (0..<n).map { Int64(Int8(bitPattern: raw[$0])) }
            case .u8, .bool: return (0..<n).map { Int64(raw[$0]) }
            default:
                throw ModelFormatError.unsupportedDType(file: path, tensor: name, dtype: dtype.rawValue, wanted: "integers")
            }
        }
    }

    /// Converts `count` elements of a float-readable dtype starting at `raw` into `out`.
    static func convert(_ raw: UnsafeRawBufferPointer, _ dtype: TensorDType, into out: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0, let src = raw.baseAddress else { return }
        switch dtype {
        case .f32: UnsafeMutableRawPointer(out).copyMemory(from: src, byteCount: count * 4)
        case .f16: F16.decode(src, into: out, count: count)
        case .bf16: BF16.decode(src, into: out, count: count)
        case .q8_0, .q4_0, .q4_1: dtype.blockFormat?.dequantizeRow(src, out, count: count)
        default: preconditionFailure("convert called with \(dtype)")
        }
    }
}

extension StoredTensor: CustomStringConvertible {
    public var description: String { "\(name) \(dtype.rawValue) \(shape)" }
}
