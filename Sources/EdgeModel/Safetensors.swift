// safetensors reader (huggingface/safetensors format), memory-mapped, plus sharded checkpoints
// (`model.safetensors.index.json`). Writer: SafetensorsWriter.swift.
//
// Layout: u64 little-endian N, then N bytes of UTF-8 JSON:
//   {"__metadata__": {str: str}?, NAME: {"dtype": "F32", "shape": [d0, d1…], "data_offsets": [begin, end]}, …}
// then the data section; offsets are relative to its start (byte 8 + N). Shapes are row-major.
import Foundation

/// One memory-mapped `.safetensors` file, validated on open: header inside the file, known dtypes,
/// offsets inside the data section, byte counts matching dtype × shape, no overlaps.
public struct SafetensorsFile: Sendable {
    /// Headers larger than this are rejected (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000

    public let path: String
    /// The `__metadata__` string map (e.g. {"format": "pt"}).
    public let metadata: [String: String]
    /// Tensor names in data order.
    public let tensorNames: [String]
    let tensors: [String: StoredTensor]

    public init(path: String) throws {
        let file = try MappedFile(path: path)
        var r = ByteReader(file)
        let n = try r.u64("safetensors header length")
        guard n <= UInt64(Self.maxHeaderBytes) else {
            throw ModelFormatError.invalidHeader(file: path, reason: "header length \(n) exceeds \(Self.maxHeaderBytes) bytes (not a safetensors file?)")
        }
        guard n >= 2 else { throw ModelFormatError.invalidHeader(file: path, reason: "header length \(n) is too small for JSON") }
        let json = try r.bytes(Int(n), "safetensors JSON header")
        guard json.first == UInt8(ascii: "{") else {
            throw ModelFormatError.invalidHeader(file: path, reason: "header does not start with '{' (not a safetensors file?)")
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(json)) } catch {
            throw ModelFormatError.invalidHeader(file: path, reason: "bad JSON: \(LlamaConfig.describe(error))")
        }
        let dataStart = 8 + Int(n)
        let dataSize = file.size - dataStart

        var spans: [(begin: Int, end: Int, name: String)] = []
        var tensors: [String: StoredTensor] = [:]
        for (name, e) in header.entries {
            guard let dtype = TensorDType(rawValue: e.dtype), dtype.blockFormat == nil else {
                throw ModelFormatError.unknownDType(file: path, tensor: name, dtype: e.dtype)
            }
            guard e.shape.allSatisfy({ $0 >= 0 }) else {
                throw ModelFormatError.invalidHeader(file: path, reason: "tensor \(name) has negative dimension in shape \(e.shape)")
            }
            guard e.data_offsets.count == 2 else {
                throw ModelFormatError.invalidHeader(file: path, reason: "tensor \(name) data_offsets must be [begin, end]")
            }
            let (begin, end) = (e.data_offsets[0], e.data_offsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw ModelFormatError.tensorOutOfBounds(file: path, tensor: name, start: begin, end: end, limit: max(0, dataSize))
            }
            guard let expected = dtype.byteCount(shape: e.shape), expected == end - begin else {
                throw ModelFormatError.byteCountMismatch(file: path, tensor: name, dtype: dtype.rawValue, shape: e.shape,
                                                         expected: dtype.byteCount(shape: e.shape) ?? -1, actual: end - begin)
            }
            spans.append((begin, end, name))
            tensors[name] = StoredTensor(name: name, dtype: dtype, shape: e.shape, file: file,
                                         range: dataStart + begin ..< dataStart + end)
        }
        spans.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for i in spans.indices.dropFirst() where spans[i].begin < spans[i - 1].end {
            throw ModelFormatError.overlappingTensors(file: path, first: spans[i - 1].name, second: spans[i].name)
        }
        self.path = path
        self.metadata = header.metadata
        self.tensorNames = spans.map(\.name)
        self.tensors = tensors
    }

    /// Tensor `name`, mapped in place.
    public func tensor(_ name: String) throws -> StoredTensor {
        guard let t = tensors[name] else { throw ModelFormatError.tensorNotFound(file: path, tensor: name) }
        return t
    }

    /// Whether the file has tensor `name`.
    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    /// The JSON header: tensor entries in key order plus `__metadata__`.
    struct Header: Decodable {
        struct Entry: Decodable {
            var dtype: String
            var shape: [Int]
            var data_offsets: [Int]
        }
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        var entries: [(String, Entry)] = []
        var metadata: [String: String] = [:]

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            for key in c.allKeys {
                if key.stringValue == "__metadata__" {
                    metadata = try c.decode([String: String].self, forKey: key)
                } else {
                    entries.append((key.stringValue, try c.decode(Entry.self, forKey: key)))
                }
            }
        }
    }
}

/// The safetensors weights of a Hugging Face directory: one `model.safetensors`, or the shards listed in
/// `model.safetensors.index.json` (`{"metadata": …, "weight_map": {tensor: "model-0000i-of-0000n.safetensors"}}`).
public struct SafetensorsCheckpoint: Sendable {
    /// The files, in the order first referenced.
    public let files: [SafetensorsFile]
    /// The index file, when sharded.
    public let indexPath: String?
    let owner: [String: Int]

    /// Opens `directory/model.safetensors.index.json` if present, else `directory/model.safetensors`.
    public init(directory: String) throws {
        let index = directory + "/model.safetensors.index.json"
        if FileManager.default.fileExists(atPath: index) {
            try self.init(indexPath: index)
        } else {
            let single = try SafetensorsFile(path: directory + "/model.safetensors")
            self.init(files: [single], indexPath: nil, owner: Dictionary(uniqueKeysWithValues: single.tensorNames.map { ($0, 0) }))
        }
    }

    init(files: [SafetensorsFile], indexPath: String?, owner: [String: Int]) {
        (self.files, self.indexPath, self.owner) = (files, indexPath, owner)
    }

    /// Opens every shard named in an index file and checks each listed tensor is in its shard.
    public init(indexPath: String) throws {
        struct Index: Decodable { var weight_map: [String: String] }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: indexPath)) } catch {
            throw ModelFormatError.unreadable(path: indexPath, reason: error.localizedDescription)
        }
        let index: Index
        do { index = try JSONDecoder().decode(Index.self, from: data) } catch {
            throw ModelFormatError.invalidHeader(file: indexPath, reason: "bad index JSON: \(LlamaConfig.describe(error))")
        }
        let dir = URL(fileURLWithPath: indexPath).deletingLastPathComponent().path
        var files: [SafetensorsFile] = []
        var fileIndex: [String: Int] = [:]
        var owner: [String: Int] = [:]
        for (tensor, shard) in index.weight_map.sorted(by: { $0.key < $1.key }) {
            guard !shard.contains("/"), !shard.hasPrefix(".") else {
                throw ModelFormatError.invalidHeader(file: indexPath, reason: "shard name \(shard) must be a plain file name")
            }
            let i: Int
            if let known = fileIndex[shard] {
                i = known
            } else {
                i = files.count
                fileIndex[shard] = i
                files.append(try SafetensorsFile(path: dir + "/" + shard))
            }
            guard files[i].contains(tensor) else {
                throw ModelFormatError.tensorNotFound(file: files[i].path, tensor: tensor)
            }
            owner[tensor] = i
        }
        self.init(files: files, indexPath: indexPath, owner: owner)
    }

    /// All tensor names, sorted.
    public var tensorNames: [String] { owner.keys.sorted() }

    /// Whether tensor `name` exists.
    public func contains(_ name: String) -> Bool { owner[name] != nil }

    /// Tensor `name` from whichever shard holds it.
    public func tensor(_ name: String) throws -> StoredTensor {
        guard let i = owner[name] else {
            throw ModelFormatError.tensorNotFound(file: indexPath ?? files.first?.path ?? "safetensors", tensor: name)
        }
        return try files[i].tensor(name)
    }
}
