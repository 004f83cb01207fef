// safetensors writer (layout in Safetensors.swift): tensors in name order, header padded with spaces to a
// multiple of 8 bytes (as the Python package does), written atomically (temp file, fsync, rename).
import EdgeTensor
import Foundation

/// Collects tensors and writes one `.safetensors` file that `safetensors.torch.load_file` and transformers read.
public struct SafetensorsWriter: Sendable {
    /// The `__metadata__` map; transformers expects {"format": "pt"}.
    public var metadata: [String: String] = ["format": "pt"]
    /// Tensors by name: dtype, row-major shape, little-endian bytes.
    public private(set) var tensors: [String: (dtype: TensorDType, shape: [Int], data: [UInt8])] = [:]

    public init() {}

    /// Adds Float32 values (row-major `shape`) stored as F32, F16 or BF16 (round to nearest even).
    public mutating func add(_ name: String, shape: [Int], values: [Float], as dtype: TensorDType = .f32) throws {
        let data: [UInt8]
        switch dtype {
        case .f32: data = values.withUnsafeBytes { [UInt8]($0) }
        case .f16: data = F16.encode(values).withUnsafeBytes { [UInt8]($0) }
        case .bf16: data = BF16.encode(values).withUnsafeBytes { [UInt8]($0) }
        default:
            throw ModelFormatError.unsupportedDType(file: "<safetensors writer>", tensor: name, dtype: dtype.rawValue, wanted: "F32, F16 or BF16 output")
        }
        try add(name, dtype: dtype, shape: shape, bytes: data)
    }

    /// Adds a tensor from already-encoded little-endian bytes of a safetensors dtype.
    public mutating func add(_ name: String, dtype: TensorDType, shape: [Int], bytes: [UInt8]) throws {
        guard dtype.blockFormat == nil, let n = dtype.byteCount(shape: shape), n == bytes.count else {
            throw ModelFormatError.byteCountMismatch(file: "<safetensors writer>", tensor: name, dtype: dtype.rawValue, shape: shape,
                                                     expected: dtype.byteCount(shape: shape) ?? -1, actual: bytes.count)
        }
        guard name != "__metadata__", tensors[name] == nil else {
            throw ModelFormatError.invalidHeader(file: "<safetensors writer>", reason: "tensor name \(name) used twice or reserved")
        }
        tensors[name] = (dtype, shape, bytes)
    }

    /// The header JSON (padded) and the tensor order.
    func header() -> (json: [UInt8], order: [String]) {
        let order = tensors.keys.sorted()
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(Self.quote($0)):\(Self.quote(metadata[$0] ?? ""))" }
            parts.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        var offset = 0
        for name in order {
            guard let t = tensors[name] else { continue }
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(Self.quote(name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.data.count)]}")
            offset += t.data.count
        }
        var json = Array("{\(parts.joined(separator: ","))}".utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        return (json, order)
    }

    /// Writes the file atomically.
    public func write(to path: String) throws {
        let (json, order) = header()
        var lead = LittleEndianBytes()
        lead.u64(UInt64(json.count))
        lead.bytes(json)
        try AtomicFile.write(to: path) { h in
            try h.write(contentsOf: lead.buffer)
            for name in order {
                if let t = tensors[name], !t.data.isEmpty { try h.write(contentsOf: t.data) }
            }
        }
    }

    /// A JSON string literal (quotes, backslashes and control characters escaped).
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
