// Read-only memory mapping of a model file, and a bounds-checked little-endian cursor over it.
// Every read goes through `ByteReader` or through a range already validated against `size`, so a
// truncated or corrupt file becomes a `ModelFormatError`, never a fault.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only (`mmap(PROT_READ, MAP_PRIVATE)`); unmapped when the last reference goes.
/// Pages load lazily, so opening a multi-GB model costs nothing until tensors are read.
public final class MappedFile: @unchecked Sendable {
    /// Path as given.
    public let path: String
    /// File size in bytes.
    public let size: Int
    /// Start of the mapping (nil for an empty file). Immutable after init, so sharing across threads is safe.
    let base: UnsafeRawPointer?

    public init(path: String) throws {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { throw ModelFormatError.fileNotFound(path: path) }
            throw ModelFormatError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw ModelFormatError.unreadable(path: path, reason: "not a regular file")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ModelFormatError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        size = Int(st.st_size)
        if size == 0 {
            base = nil
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw ModelFormatError.unreadable(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// The bytes of `range`, which the caller has checked lies within 0..<size.
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        precondition(range.lowerBound >= 0 && range.upperBound <= size, "unchecked range \(range) of \(path) (\(size) bytes)")
        guard let base, !range.isEmpty else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }
}

/// A cursor reading little-endian values from a mapped file; each read checks the bounds first and throws
/// `ModelFormatError.truncated` naming what was being read.
struct ByteReader {
    let file: MappedFile
    var offset: Int

    init(_ file: MappedFile, offset: Int = 0) {
        self.file = file
        self.offset = offset
    }

    /// Throws unless `n` more bytes exist (overflow-safe).
    func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        let (end, overflow) = offset.addingReportingOverflow(n)
        guard n >= 0, !overflow, end <= file.size else {
            throw ModelFormatError.truncated(file: file.path, what: what(), needed: overflow ? Int.max : end, size: file.size)
        }
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let v = file.bytes(offset ..< offset + MemoryLayout<T>.size).loadUnaligned(as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func u8(_ what: @autoclosure () -> String) throws -> UInt8 { try load(UInt8.self, what()) }
    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try load(UInt32.self, what()) }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 { try load(UInt64.self, what()) }

    /// A count or length stored as u64, rejected when it cannot fit the rest of the file at `minBytesEach`.
    mutating func count(_ what: @autoclosure () -> String, minBytesEach: Int = 1) throws -> Int {
        let v = try u64(what())
        let remaining = file.size - offset
        guard v <= UInt64(remaining / max(1, minBytesEach)) else {
            let (bytes, o1) = Int(clamping: v).multipliedReportingOverflow(by: max(1, minBytesEach))
            let (needed, o2) = offset.addingReportingOverflow(bytes)
            throw ModelFormatError.truncated(file: file.path, what: "\(what()) (count \(v))",
                                             needed: o1 || o2 ? Int.max : needed, size: file.size)
        }
        return Int(v)
    }

    /// Raw bytes.
    mutating func bytes(_ n: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try need(n, what())
        let b = file.bytes(offset ..< offset + n)
        offset += n
        return b
    }

    /// A GGUF string: u64 length + UTF-8 bytes (invalid UTF-8 is repaired, not trapped).
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let n = try count("\(what()) length")
        return String(decoding: try bytes(n, what()), as: UTF8.self)
    }
}

/// Byte-exact file writing: to a temporary file next to the target, fsync, then rename over the target,
/// so readers never see a half-written model.
enum AtomicFile {
    /// Calls `body` with a FileHandle for the temp file, then fsyncs and renames it to `path`.
    static func write(to path: String, _ body: (FileHandle) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/." + url.lastPathComponent + ".\(UUID().uuidString).tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: nil) else {
            throw ModelFormatError.writeFailed(path: path, reason: "cannot create \(tmp)")
        }
        do {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
            do {
                try body(h)
                try h.synchronize()
                try h.close()
            } catch {
                try? h.close()
                throw error
            }
            guard rename(tmp, path) == 0 else {
                throw ModelFormatError.writeFailed(path: path, reason: "rename failed: \(String(cString: strerror(errno)))")
            }
        } catch let e as ModelFormatError {
            unlink(tmp)
            throw e
        } catch {
            unlink(tmp)
            throw ModelFormatError.writeFailed(path: path, reason: "\(error)")
        }
    }
}
