// GGUF v3 writer (layout in GGUF.swift), for `edgeagent export --format gguf`. Tensors are given in
// row-major shape and written with ggml's reversed dims; each tensor's data starts on an `alignment`
// boundary, as gguf-py writes them. The file appears atomically (temp file, fsync, rename).
import EdgeTensor
import Foundation

/// Collects metadata and tensors, then writes one GGUF file.
public struct GGUFWriter: Sendable {
    /// Data alignment; a value other than 32 is recorded as `general.alignment`.
    public var alignment: Int = GGUFFile.defaultAlignment
    /// Metadata in insertion order (a key set twice keeps its first position, last value).
    public private(set) var metadata: [(key: String, value: GGUFValue)] = []
    /// Tensors in insertion order: row-major shape, ggml type, encoded bytes.
    public private(set) var tensors: [(name: String, shape: [Int], type: GGMLType, data: [UInt8])] = []

    public init() {}

    /// Sets metadata `key`.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.key == key }) {
            metadata[i].value = value
        } else {
            metadata.append((key, value))
        }
    }

    /// Adds a tensor from Float32 values (row-major `shape`), encoded as `type`: F32, F16, BF16 (round to
    /// nearest even) or Q8_0/Q4_0/Q4_1 (ggml reference quantizers; the last dim must be a multiple of 32).
    public mutating func addTensor(_ name: String, shape: [Int], values: [Float], as type: TensorDType = .f32) throws {
        let count = shape.reduce(1, *)
        guard count == values.count, !shape.isEmpty, shape.count <= 4 else {
            throw ModelFormatError.byteCountMismatch(file: "<gguf writer>", tensor: name, dtype: "F32", shape: shape,
                                                     expected: count * 4, actual: values.count * 4)
        }
        let data: [UInt8]
        switch type {
        case .f32:
            data = values.withUnsafeBytes { [UInt8]($0) }
        case .f16:
            data = F16.encode(values).withUnsafeBytes { [UInt8]($0) }
        case .bf16:
            data = BF16.encode(values).withUnsafeBytes { [UInt8]($0) }
        case .q8_0, .q4_0, .q4_1:
            let f = type.blockFormat ?? .q8_0
            guard let cols = shape.last, cols % f.blockSize == 0 else {
                throw ModelFormatError.invalidHeader(file: "<gguf writer>",
                    reason: "tensor \(name) of shape \(shape) cannot be \(type.rawValue): rows must be multiples of \(f.blockSize)")
            }
            data = f.quantize(values)
        default:
            throw ModelFormatError.unsupportedDType(file: "<gguf writer>", tensor: name, dtype: type.rawValue, wanted: "a GGUF tensor type")
        }
        try addTensor(name, shape: shape, type: type, bytes: data)
    }

    /// Adds a tensor whose bytes are already encoded as `type` (e.g. quantized rows read from another GGUF).
    public mutating func addTensor(_ name: String, shape: [Int], type: TensorDType, bytes: [UInt8]) throws {
        guard let ggml = GGMLType(type), let n = type.byteCount(shape: shape), n == bytes.count, (1...4).contains(shape.count) else {
            throw ModelFormatError.byteCountMismatch(file: "<gguf writer>", tensor: name, dtype: type.rawValue, shape: shape,
                                                     expected: type.byteCount(shape: shape) ?? -1, actual: bytes.count)
        }
        guard !tensors.contains(where: { $0.name == name }) else {
            throw ModelFormatError.invalidHeader(file: "<gguf writer>", reason: "tensor \(name) added twice")
        }
        tensors.append((name, shape, ggml, bytes))
    }

    /// The header bytes (magic … tensor infos, unpadded) and each tensor's data offset.
    func header() -> [UInt8] {
        var w = LittleEndianBytes()
        w.bytes(GGUFFile.magic)
        w.u32(3)
        var meta = metadata
        if alignment != GGUFFile.defaultAlignment, !meta.contains(where: { $0.key == "general.alignment" }) {
            meta.append(("general.alignment", .uint32(UInt32(alignment))))
        }
        w.u64(UInt64(tensors.count))
        w.u64(UInt64(meta.count))
        for (k, v) in meta {
            w.string(k)
            w.u32(v.type.rawValue)
            w.value(v)
        }
        var offset = 0
        for t in tensors {
            w.string(t.name)
            w.u32(UInt32(t.shape.count))
            for d in t.shape.reversed() { w.u64(UInt64(d)) }
            w.u32(t.type.rawValue)
            w.u64(UInt64(offset))
            offset += padded(t.data.count)
        }
        return w.buffer
    }

    func padded(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// Writes the file atomically.
    public func write(to path: String) throws {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "GGUF alignment must be a power of two")
        var head = header()
        head += [UInt8](repeating: 0, count: padded(head.count) - head.count)
        try AtomicFile.write(to: path) { h in
            try h.write(contentsOf: head)
            for t in tensors {
                try h.write(contentsOf: t.data)
                let pad = padded(t.data.count) - t.data.count
                if pad > 0 { try h.write(contentsOf: [UInt8](repeating: 0, count: pad)) }
            }
        }
    }
}

/// Little-endian byte buffer for building headers.
struct LittleEndianBytes {
    var buffer: [UInt8] = []

    mutating func bytes<S: Sequence>(_ b: S) where S.Element == UInt8 { buffer.append(contentsOf: b) }
    mutating func int<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) }
    }
    mutating func u32(_ v: UInt32) { int(v) }
    mutating func u64(_ v: UInt64) { int(v) }
    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        u64(UInt64(u.count))
        bytes(u)
    }

    /// A GGUF value body (without its type code).
    mutating func value(_ v: GGUFValue) {
        switch v {
        case .uint8(let x): int(x)
        case .int8(let x): int(x)
        case .uint16(let x): int(x)
        case .int16(let x): int(x)
        case .uint32(let x): int(x)
        case .int32(let x): int(x)
        case .uint64(let x): int(x)
        case .int64(let x): int(x)
        case .float32(let x): int(x.bitPattern)
        case .float64(let x): int(x.bitPattern)
        case .bool(let b): int(UInt8(b ? 1 : 0))
        case .string(let s): string(s)
        case .array(let t, let items):
            u32(t.rawValue)
            u64(UInt64(items.count))
            for item in items { value(item) }
        }
    }
}
