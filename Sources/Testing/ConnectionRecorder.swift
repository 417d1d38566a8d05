import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TCP listener on a random port of 127.0.0.1 that accepts every connection and keeps the bytes
/// it receives, never answering. A test proves that nothing was sent somewhere by pointing that
/// somewhere here and finding `connections` zero afterwards.
///
/// ```swift
/// let listener = try ConnectionRecorder()
/// defer { listener.close() }
/// // ... a pipeline whose baseURL reaches port listener.port ...
/// #expect(listener.connections == 0)
/// ```
public final class ConnectionRecorder: Sendable {
    public let port: Int
    private let socket: Int32
    private let state = Mutex<(connections: Int, received: Data)>((0, Data()))

    /// What the listener writes back once a request's head has arrived (then it closes the
    /// connection); `nil` to never answer.
    private let answer: Data?

    /// How long a connection is kept open once nothing more arrives.
    private let holdSeconds: Int

    /// A listener; with `answer` (a whole HTTP response), one that answers every request with it —
    /// a server that redirects, for a test that the redirect is not followed. A connection that
    /// sends nothing more for `holdSeconds` is closed.
    public init(answer: String? = nil, holdSeconds: Int = 2) throws {
        self.answer = answer.map { Data($0.utf8) }
        self.holdSeconds = holdSeconds
        #if canImport(Glibc)
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RecorderError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            _ = Self.closeSocket(fd)
            throw RecorderError("bind/listen failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        socket = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// How many connections were accepted so far.
    public var connections: Int { state.withLock { $0.connections } }

    /// Every byte received so far, all connections together.
    public var received: Data { state.withLock { $0.received } }

    /// Stops listening.
    public func close() {
        _ = shutdown(socket, Int32(SHUT_RDWR))
        _ = Self.closeSocket(socket)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else { return }
            state.withLock { $0.connections += 1 }
            var timeout = timeval(tv_sec: holdSeconds, tv_usec: 0)
            _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(connection, &buffer, buffer.count)
                guard count > 0 else { break }
                let head = state.withLock {
                    $0.received.append(contentsOf: buffer[0..<count])
                    return $0.received.range(of: Data("\r\n\r\n".utf8)) != nil
                }
                if head, let answer {
                    _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, answer.count) }
                    break
                }
            }
            _ = Self.closeSocket(connection)
        }
    }

    private static func closeSocket(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
            Glibc.close(fd)
        #else
            Darwin.close(fd)
        #endif
    }

    struct RecorderError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
