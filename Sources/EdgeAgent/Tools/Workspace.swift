import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder the file tools may use, and the sandbox that keeps them inside it.
///
/// A path is accepted only if its *real* location (symlinks resolved by the OS, `..` applied) is the
/// workspace root or below it. Concretely ``resolve(_:)``:
/// 1. joins a relative path to the root (an absolute path is taken as is; `~` is refused);
/// 2. finds the longest prefix that exists (a dangling symlink counts as existing) and asks `realpath(3)`
///    for its real location, so `..` and every symlink in it are resolved by the kernel;
/// 3. appends the part that does not exist yet, refusing `..` there (it cannot be resolved safely);
/// 4. refuses the result unless it is under the root's real path, or when it is inside the private
///    state folder `.edgeagent` (the tool database).
public struct Workspace: Sendable, Equatable {
    /// Name of the private folder holding the tool database.
    public static let stateFolderName = ".edgeagent"

    /// The root's real path (symlinks resolved).
    public let root: URL

    /// Uses `path` as the workspace, creating it if needed.
    public init(root path: String) throws(AgentError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .tool("workspace", message: "cannot create the workspace folder \(path): \(error.localizedDescription)")
        }
        guard let real = Self.realPath(path) else {
            throw .tool("workspace", message: "cannot resolve the workspace folder \(path)")
        }
        root = URL(fileURLWithPath: real, isDirectory: true)
    }

    /// `<root>/.edgeagent`, where the tool database lives.
    public var stateDirectory: URL { root.appendingPathComponent(Self.stateFolderName, isDirectory: true) }

    /// The real location of `path` inside the workspace; throws ``AgentError/sandboxEscape(path:)`` when it
    /// would leave it. The file need not exist.
    public func resolve(_ path: String) throws(AgentError) -> URL {
        let trimmed = path.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !trimmed.contains("\0"), !trimmed.hasPrefix("~") else { throw .sandboxEscape(path: path) }
        let joined = trimmed.hasPrefix("/") ? trimmed : root.path + "/" + trimmed
        var components = joined.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var rest: [String] = []
        var resolved: String?
        while true {
            let prefix = "/" + components.joined(separator: "/")
            if Self.exists(prefix) {
                guard let real = Self.realPath(prefix) else { throw .sandboxEscape(path: path) }   // dangling link
                resolved = real
                break
            }
            guard let last = components.popLast() else { break }
            rest.insert(last, at: 0)
        }
        guard var result = resolved else { throw .sandboxEscape(path: path) }
        for part in rest where part != "." {
            if part == ".." { throw .sandboxEscape(path: path) }
            result += (result.hasSuffix("/") ? "" : "/") + part
        }
        let base = root.path
        guard result == base || result.hasPrefix(base.hasSuffix("/") ? base : base + "/") else {
            throw .sandboxEscape(path: path)
        }
        let state = stateDirectory.path
        if result == state || result.hasPrefix(state + "/") { throw .sandboxEscape(path: path) }
        return URL(fileURLWithPath: result)
    }

    /// An existing regular file inside the workspace, or nil when there is none at `path`.
    public func existingFile(_ path: String) throws(AgentError) -> URL? {
        let url = try resolve(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        return url
    }

    /// Every regular file of the workspace (hidden files and folders skipped, symlinks only when they
    /// resolve inside), as real paths, sorted.
    public func files() -> [URL] {
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                     options: [.skipsHiddenFiles]) else { return [] }
        var out: [URL] = []
        for case let url as URL in e {
            let relative = String(url.path.dropFirst(root.path.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard let real = try? existingFile(relative.isEmpty ? url.path : relative) else { continue }
            out.append(real)
        }
        return Array(Set(out)).sorted { $0.path < $1.path }
    }

    /// `url` relative to the root (`docs/a.pdf`).
    public func relativePath(_ url: URL) -> String {
        String(url.path.dropFirst(root.path.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    /// lstat-based existence: a dangling symlink exists (and is then refused by realpath).
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
