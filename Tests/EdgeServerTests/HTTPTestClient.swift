import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 client over blocking POSIX sockets for the server tests. Each call runs on its own
/// thread (never on Swift's cooperative pool, which the server under test needs), sends raw bytes — so tests
/// can send malformed or oversized requests — and reads until the server closes (`Connection: close`).
struct HTTPTestClient: Sendable {
    let port: Int
    var apiKey: String?

    struct Response: Sendable {
        var status: Int
        var headers: [String: String]   // lower-cased names
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            guard let o = try JSONSerialization.jsonObject(with: body) as? [String: Any] else { throw TestClientError.notJSON(text) }
            return o
        }
        /// `choices[0].message.content` of a chat completion body (nil when absent).
        func chatContent() throws -> String? {
            ((try json()["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        }
        /// `data:` payloads of a server-sent-events body, in order.
        var events: [String] {
            text.components(separatedBy: "\n\n").compactMap { block in
                block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
            }
        }
    }

    enum TestClientError: Error { case connect(Int32), notJSON(String), malformed(String), timeout }

    /// `method path` with a JSON body (or raw `body`), returning the whole response.
    func request(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil, headers: [String: String] = [:],
                 timeout: Double = 120) async throws -> Response {
        var payload = body ?? Data()
        if let json { payload = try JSONSerialization.data(withJSONObject: json) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let apiKey { head += "Authorization: Bearer \(apiKey)\r\n" }
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if method != "GET" || !payload.isEmpty {
            head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n"
        }
        var raw = Data((head + "\r\n").utf8)
        raw.append(payload)
        return try Self.parse(try await send(raw, timeout: timeout))
    }

    /// Sends `raw` bytes; returns everything the server sent until it closed. With `closeAfter`, the socket is
    /// closed as soon as that many response bytes arrived (a client going away mid-stream).
    func send(_ raw: Data, closeAfter: Int? = nil, timeout: Double = 120) async throws -> Data {
        let port = self.port
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.blockingExchange(port: port, raw: raw, closeAfter: closeAfter, timeout: timeout) })
            }
        }
    }

    private static func blockingExchange(port: Int, raw: Data, closeAfter: Int?, timeout: Double) throws -> Data {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw TestClientError.connect(errno) }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw TestClientError.connect(errno) }
        var sent = 0
        raw.withUnsafeBytes { (p: UnsafeRawBufferPointer) in
            while sent < p.count {
                let n = sysSend(fd, p.baseAddress! + sent, p.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { break }   // the server may answer (413) and close before reading everything
                sent += n
            }
        }
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw TestClientError.timeout }
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
            if let closeAfter, out.count >= closeAfter { break }
        }
        return out
    }

    /// Status, headers and (de-chunked) body of one HTTP/1.1 response.
    static func parse(_ data: Data) throws -> Response {
        let bytes = [UInt8](data)
        guard let end = find([13, 10, 13, 10], in: bytes, from: 0) else { throw TestClientError.malformed(String(decoding: data, as: UTF8.self)) }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestClientError.malformed(head[0]) }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: Data(body))
    }

    private static func dechunk(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], i = 0
        while let lineEnd = find([13, 10], in: b, from: i) {
            let sizeText = String(decoding: b[i..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= b.count else { out += b[start...]; break }
            out += b[start..<(start + size)]
            i = start + size + 2
        }
        return out
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        for i in from...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}

#if canImport(Glibc)
private func sysSend(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int, _ flags: Int32) -> Int { Glibc.send(fd, p, n, flags) }
#else
private func sysSend(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int, _ flags: Int32) -> Int { Darwin.send(fd, p, n, 0) }
#endif
