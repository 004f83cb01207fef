// GGUF reader (versions 2 and 3, little-endian), as written by llama.cpp's gguf.cpp and gguf-py.
//
// Layout:
//   "GGUF" u32 version  u64 n_tensors  u64 n_kv
//   n_kv × (string key, u32 value type, value)          string = u64 length + UTF-8 bytes
//                                                       array  = u32 element type, u64 count, elements
//   n_tensors × (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset)
//   padding to `general.alignment` (default 32), then the data section; tensor offsets are relative to it.
// ne[0] is the fastest-varying dim, so the row-major shape is ne reversed: a PyTorch weight (out, in) has
// ne = [in, out]. Quantized rows run along ne[0] in whole blocks.
import EdgeTensor

/// One tensor's entry in the GGUF header.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// ggml dims, fastest first (ne[0], ne[1], …).
    public let ne: [Int]
    public let type: GGMLType
    /// Offset of the data relative to the data section.
    public let offset: Int

    /// Row-major shape (outermost first) = `ne` reversed.
    public var shape: [Int] { ne.reversed() }
    public var elementCount: Int { ne.reduce(1, *) }
}

/// A memory-mapped GGUF file: metadata, tensor infos, and tensors read in place.
public struct GGUFFile: Sendable {
    public static let magic: [UInt8] = Array("GGUF".utf8)
    public static let supportedVersions = [2, 3]
    public static let defaultAlignment = 32

    public let path: String
    public let version: Int
    /// All metadata key/value pairs.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor infos in file order.
    public let tensorInfos: [GGUFTensorInfo]
    /// `general.alignment` or 32.
    public let alignment: Int
    /// Absolute file offset of the data section.
    public let dataOffset: Int
    let file: MappedFile
    let infoByName: [String: Int]

    /// Opens and validates `path`: magic, version, every header read bounds-checked, tensor data ranges
    /// inside the file, aligned and non-overlapping. Tensor data is not touched until read.
    public init(path: String) throws {
        let file = try MappedFile(path: path)
        var r = ByteReader(file)
        try r.need(4, "GGUF magic")
        let magic = [UInt8](try r.bytes(4, "GGUF magic"))
        guard magic == Self.magic else {
            throw ModelFormatError.badMagic(file: path, expected: "GGUF", found: Self.show(magic))
        }
        let version = Int(try r.u32("GGUF version"))
        guard Self.supportedVersions.contains(version) else {
            throw ModelFormatError.unsupportedVersion(file: path, version: version, supported: Self.supportedVersions)
        }
        let nTensors = try r.count("tensor count", minBytesEach: 24)
        let nKV = try r.count("metadata count", minBytesEach: 13)

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        for i in 0..<nKV {
            let key = try r.string("metadata key \(i)")
            let raw = try r.u32("type of metadata \(key)")
            guard let type = GGUFValueType(rawValue: raw) else {
                throw ModelFormatError.invalidHeader(file: path, reason: "metadata \(key) has unknown value type \(raw)")
            }
            let value = try Self.readValue(&r, type, key: key, depth: 0)
            if metadata.updateValue(value, forKey: key) != nil {
                throw ModelFormatError.invalidHeader(file: path, reason: "duplicate metadata key \(key)")
            }
            keys.append(key)
        }

        var alignment = Self.defaultAlignment
        if let a = metadata["general.alignment"] {
            guard case .uint32(let v) = a, v > 0, v & (v - 1) == 0 else {
                throw ModelFormatError.invalidHeader(file: path, reason: "general.alignment must be a power-of-two uint32, got \(a)")
            }
            alignment = Int(v)
        }

        var infos: [GGUFTensorInfo] = []
        var infoByName: [String: Int] = [:]
        infos.reserveCapacity(nTensors)
        for i in 0..<nTensors {
            let name = try r.string("name of tensor \(i)")
            let nDims = Int(try r.u32("dims of tensor \(name)"))
            guard (1...4).contains(nDims) else {
                throw ModelFormatError.invalidHeader(file: path, reason: "tensor \(name) has \(nDims) dims (ggml allows 1–4)")
            }
            var ne: [Int] = []
            var elements = 1
            for _ in 0..<nDims {
                let d = try r.u64("dims of tensor \(name)")
                let (e, overflow) = elements.multipliedReportingOverflow(by: Int(clamping: d))
                guard d <= UInt64(Int32.max), !overflow, e <= Int(Int32.max) * 64 else {
                    throw ModelFormatError.invalidHeader(file: path, reason: "tensor \(name) has absurd dimensions \(ne + [Int(clamping: d)])")
                }
                elements = e
                ne.append(Int(d))
            }
            let type = GGMLType(rawValue: try r.u32("type of tensor \(name)"))
            let offset = try r.u64("offset of tensor \(name)")
            guard offset <= UInt64(file.size) else {
                throw ModelFormatError.tensorOutOfBounds(file: path, tensor: name, start: Int(clamping: offset),
                                                         end: Int(clamping: offset), limit: file.size)
            }
            guard infoByName.updateValue(infos.count, forKey: name) == nil else {
                throw ModelFormatError.invalidHeader(file: path, reason: "duplicate tensor name \(name)")
            }
            infos.append(GGUFTensorInfo(name: name, ne: ne, type: type, offset: Int(offset)))
        }
        let dataOffset = (r.offset + alignment - 1) / alignment * alignment
        if nTensors > 0 && dataOffset > file.size {
            throw ModelFormatError.truncated(file: path, what: "data section", needed: dataOffset, size: file.size)
        }

        // Data ranges: aligned, inside the file, non-overlapping (checked in offset order).
        var spans: [(start: Int, end: Int, name: String)] = []
        for info in infos {
            guard info.offset % alignment == 0 else {
                throw ModelFormatError.invalidHeader(file: path, reason: "tensor \(info.name) offset \(info.offset) is not a multiple of the alignment \(alignment)")
            }
            guard let n = info.type.byteCount(ne0: info.ne[0], elements: info.elementCount) else {
                if GGMLType.traits[info.type.rawValue] != nil {
                    throw ModelFormatError.invalidHeader(file: path, reason: "tensor \(info.name) of type \(info.type) has \(info.ne[0]) columns, not whole blocks")
                }
                continue   // unknown type: size unknown, reading it reports unsupportedQuantType
            }
            let start = dataOffset + info.offset
            let (end, overflow) = start.addingReportingOverflow(n)
            guard !overflow, end <= file.size else {
                throw ModelFormatError.tensorOutOfBounds(file: path, tensor: info.name, start: info.offset,
                                                         end: overflow ? Int.max : end - dataOffset, limit: file.size - dataOffset)
            }
            spans.append((start, end, info.name))
        }
        spans.sort { $0.start < $1.start }
        for i in spans.indices.dropFirst() where spans[i].start < spans[i - 1].end {
            throw ModelFormatError.overlappingTensors(file: path, first: spans[i - 1].name, second: spans[i].name)
        }

        self.path = path
        self.version = version
        self.metadata = metadata
        self.metadataKeys = keys
        self.tensorInfos = infos
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.file = file
        self.infoByName = infoByName
    }

    /// The info of tensor `name`, if present.
    public func info(_ name: String) -> GGUFTensorInfo? { infoByName[name].map { tensorInfos[$0] } }

    /// Tensor `name`, mapped in place (row-major shape). Throws `tensorNotFound`, or `unsupportedQuantType`
    /// for types other than F32, F16, BF16, Q8_0, Q4_0, Q4_1.
    public func tensor(_ name: String) throws -> StoredTensor {
        guard let info = info(name) else { throw ModelFormatError.tensorNotFound(file: path, tensor: name) }
        guard let dtype = info.type.dtype, let n = dtype.byteCount(shape: info.shape) else {
            throw ModelFormatError.unsupportedQuantType(file: path, tensor: name, type: info.type.description)
        }
        let start = dataOffset + info.offset
        return StoredTensor(name: name, dtype: dtype, shape: info.shape, file: file, range: start ..< start + n)
    }

    // MARK: - typed metadata access

    /// `general.architecture` ("llama").
    public var architecture: String? { metadata["general.architecture"]?.string }

    /// Integer metadata `key`; nil when absent, throws when present with a non-integer type.
    public func int(_ key: String) throws -> Int? {
        guard let v = metadata[key] else { return nil }
        guard let i = v.int else { throw ModelFormatError.wrongMetadataType(file: path, key: key, expected: "integer", actual: v.typeName) }
        return i
    }

    /// Numeric metadata `key` as Double; nil when absent.
    public func double(_ key: String) throws -> Double? {
        guard let v = metadata[key] else { return nil }
        guard let d = v.double else { throw ModelFormatError.wrongMetadataType(file: path, key: key, expected: "number", actual: v.typeName) }
        return d
    }

    /// String metadata `key`; nil when absent.
    public func string(_ key: String) throws -> String? {
        guard let v = metadata[key] else { return nil }
        guard let s = v.string else { throw ModelFormatError.wrongMetadataType(file: path, key: key, expected: "string", actual: v.typeName) }
        return s
    }

    /// Integer metadata that must be present.
    public func requiredInt(_ key: String) throws -> Int {
        guard let v = try int(key) else { throw ModelFormatError.missingMetadata(file: path, key: key) }
        return v
    }

    // MARK: - parsing helpers

    static func readValue(_ r: inout ByteReader, _ type: GGUFValueType, key: String, depth: Int) throws -> GGUFValue {
        let what = "metadata \(key)"
        switch type {
        case .uint8: return .uint8(try r.u8(what))
        case .int8: return .int8(Int8(bitPattern: try r.u8(what)))
        case .uint16: return .uint16(try r.load(UInt16.self, what))
        case .int16: return .int16(try r.load(Int16.self, what))
        case .uint32: return .uint32(try r.u32(what))
        case .int32: return .int32(try r.load(Int32.self, what))
        case .uint64: return .uint64(try r.u64(what))
        case .int64: return .int64(try r.load(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try r.u32(what)))
        case .float64: return .float64(Double(bitPattern: try r.u64(what)))
        case .bool:
            let b = try r.u8(what)
            guard b <= 1 else { throw ModelFormatError.invalidHeader(file: r.file.path, reason: "\(what) is a bool with value \(b)") }
            return .bool(b == 1)
        case .string: return .string(try r.string(what))
        case .array:
            guard depth < 4 else { throw ModelFormatError.invalidHeader(file: r.file.path, reason: "\(what) nests arrays too deeply") }
            let raw = try r.u32("element type of \(what)")
            guard let et = GGUFValueType(rawValue: raw) else {
                throw ModelFormatError.invalidHeader(file: r.file.path, reason: "\(what) has unknown array element type \(raw)")
            }
            let n = try r.count("length of \(what)", minBytesEach: Self.minBytes(et))
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try readValue(&r, et, key: key, depth: depth + 1)) }
            return .array(et, items)
        }
    }

    /// Smallest encoding of one value of `type` (for sanity-checking counts before allocating).
    static func minBytes(_ type: GGUFValueType) -> Int {
        switch type {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }

    static func show(_ bytes: [UInt8]) -> String {
        "0x" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
