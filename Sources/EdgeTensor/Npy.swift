import Foundation

/// Errors reading or writing `.npy` files; each names the file.
public enum NpyError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case badMagic(path: String)
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    case badHeader(path: String, reason: String)
    case unsupportedDType(path: String, dtype: String)
    case wrongDType(path: String, expected: String, actual: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "\(p): cannot read .npy file (\(r))"
        case .badMagic(let p): return "\(p): not a .npy file (bad magic; expected \\x93NUMPY)"
        case .truncated(let p, let e, let a): return "\(p): truncated .npy file (needs \(e) bytes, has \(a))"
        case .badHeader(let p, let r): return "\(p): malformed .npy header (\(r))"
        case .unsupportedDType(let p, let d):
            return "\(p): unsupported .npy dtype '\(d)' (supported: <f4, <f8, <i4, <i8, little-endian, C order)"
        case .wrongDType(let p, let e, let a): return "\(p): expected dtype \(e), file has \(a)"
        case .unwritable(let p, let r): return "\(p): cannot write .npy file (\(r))"
        }
    }
}

/// The array of a `.npy` file in its stored element type.
public enum NpyArray: Sendable, Equatable {
    case float32(shape: [Int], [Float])
    case float64(shape: [Int], [Double])
    case int32(shape: [Int], [Int32])
    case int64(shape: [Int], [Int64])

    public var shape: [Int] {
        switch self {
        case .float32(let s, _), .float64(let s, _), .int32(let s, _), .int64(let s, _): return s
        }
    }

    var dtype: String {
        switch self {
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .int32: return "<i4"
        case .int64: return "<i8"
        }
    }
}

/// NumPy `.npy` format versions 1.0–3.0: little-endian float32/float64/int32/int64 in C order.
public enum Npy {
    /// Reads any supported array.
    public static func read(_ path: String) throws -> NpyArray {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw NpyError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try decode(data, path: path)
    }

    /// Reads a float32 array as a `Tensor` (float64 files are rejected: convert explicitly).
    public static func readTensor(_ path: String) throws -> Tensor {
        switch try read(path) {
        case .float32(let s, let v): return Tensor(shape: s, scalars: v)
        case let other: throw NpyError.wrongDType(path: path, expected: "<f4", actual: other.dtype)
        }
    }

    /// Reads a float64 array as a `Tensor64`.
    public static func readTensor64(_ path: String) throws -> Tensor64 {
        switch try read(path) {
        case .float64(let s, let v): return Tensor64(shape: s, scalars: v)
        case let other: throw NpyError.wrongDType(path: path, expected: "<f8", actual: other.dtype)
        }
    }

    /// Writes a float32 tensor.
    public static func write(_ t: Tensor, to path: String) throws {
        try write(.float32(shape: t.shape, t.scalars), to: path)
    }

    /// Writes a float64 tensor.
    public static func write(_ t: Tensor64, to path: String) throws {
        try write(.float64(shape: t.shape, t.scalars), to: path)
    }

    /// Writes an array (format 1.0), atomically.
    public static func write(_ array: NpyArray, to path: String) throws {
        var data = encodeHeader(dtype: array.dtype, shape: array.shape)
        switch array {
        case .float32(_, let v): v.withUnsafeBytes { data.append(contentsOf: $0) }
        case .float64(_, let v): v.withUnsafeBytes { data.append(contentsOf: $0) }
        case .int32(_, let v): v.withUnsafeBytes { data.append(contentsOf: $0) }
        case .int64(_, let v): v.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw NpyError.unwritable(path: path, reason: error.localizedDescription)
        }
    }

    static func encodeHeader(dtype: String, shape: [Int]) -> Data {
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': (\(dims)), }"
        // Magic (6) + version (2) + length (2) + header + '\n' must be a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let len = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(len & 0xff), UInt8(len >> 8)])
        data.append(contentsOf: Array(header.utf8))
        return data
    }

    static func decode(_ data: Data, path: String) throws -> NpyArray {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw bytes.count < 10 && bytes.starts(with: [0x93]) ?
                NpyError.truncated(path: path, expectedBytes: 10, actualBytes: bytes.count) : NpyError.badMagic(path: path)
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw NpyError.truncated(path: path, expectedBytes: 12, actualBytes: bytes.count) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw NpyError.badHeader(path: path, reason: "unknown format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else {
            throw NpyError.truncated(path: path, expectedBytes: headerStart + headerLength, actualBytes: bytes.count)
        }
        guard let header = String(bytes: bytes[headerStart ..< headerStart + headerLength], encoding: .utf8) else {
            throw NpyError.badHeader(path: path, reason: "header is not text")
        }
        let (dtype, fortran, shape) = try parseHeader(header, path: path)
        if fortran { throw NpyError.badHeader(path: path, reason: "fortran_order arrays are not supported") }
        let count = shape.reduce(1, *)
        let size: Int
        switch dtype {
        case "<f4", "<i4": size = 4
        case "<f8", "<i8": size = 8
        default: throw NpyError.unsupportedDType(path: path, dtype: dtype)
        }
        let start = headerStart + headerLength
        guard bytes.count - start >= count * size else {
            throw NpyError.truncated(path: path, expectedBytes: start + count * size, actualBytes: bytes.count)
        }
        return bytes.withUnsafeBytes { raw in
            let body = UnsafeRawBufferPointer(rebasing: raw[start ..< start + count * size])
            switch dtype {
            case "<f4": return .float32(shape: shape, (0..<count).map { body.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) })
            case "<f8": return .float64(shape: shape, (0..<count).map { body.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) })
            case "<i4": return .int32(shape: shape, (0..<count).map { body.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) })
            default: return .int64(shape: shape, (0..<count).map { body.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) })
            }
        }
    }

    /// Parses the Python-dict header: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
    static func parseHeader(_ h: String, path: String) throws -> (String, Bool, [Int]) {
        func value(after key: String) throws -> Substring {
            guard let r = h.range(of: "'\(key)':") else {
                throw NpyError.badHeader(path: path, reason: "missing '\(key)'")
            }
            return h[r.upperBound...].drop { $0 == " " }
        }
        let descrRest = try value(after: "descr")
        guard descrRest.first == "'", let end = descrRest.dropFirst().firstIndex(of: "'") else {
            throw NpyError.badHeader(path: path, reason: "bad 'descr'")
        }
        var dtype = String(descrRest[descrRest.index(after: descrRest.startIndex) ..< end])
        if dtype.hasPrefix("|") || dtype.hasPrefix("=") { dtype = "<" + dtype.dropFirst() }
        let fortran = try value(after: "fortran_order").hasPrefix("True")
        let shapeRest = try value(after: "shape")
        guard shapeRest.first == "(", let close = shapeRest.firstIndex(of: ")") else {
            throw NpyError.badHeader(path: path, reason: "bad 'shape'")
        }
        let inner = shapeRest[shapeRest.index(after: shapeRest.startIndex) ..< close]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0 else { throw NpyError.badHeader(path: path, reason: "bad dimension '\(t)'") }
            shape.append(d)
        }
        return (dtype, fortran, shape)
    }
}
