import Foundation
import LaunchWatchCore
import LaunchWatchEmulator
import LaunchWatchTesting
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Stopping the emulator by cancelling `run()`'s task, as `EmulatorHarness` and the command line do.
@Suite("Stopping the emulator")
struct EmulatorStopTests {
    typealias Fixture = VertexFixture

    /// A regression test for a crash of the whole process: cancelling the server while connections it
    /// had accepted still waited in its inbound sequence destroyed their `NIOAsyncChannel`s unfinished,
    /// and NIO's precondition ("Deinited NIOAsyncWriter without calling finish()") killed the process.
    @Test("stopping while connections are being accepted neither crashes nor hangs")
    func stopWhileAccepting() async throws {
        let scenario = try Scenario(json: Data(Fixture.scenario(timeline: []).utf8))
        let request = Array("GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        for round in 0..<200 {
            let emulator = Emulator(scenario: scenario)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await emulator.run() }
                let port = try #require(try await emulator.baseURL().port)
                var sockets: [Int32] = []
                defer { for socket in sockets { close(socket) } }
                for index in 0..<8 {
                    let socket = try #require(RawSocket.connect(port: port), "connection \(index) of round \(round)")
                    sockets.append(socket)
                    // Half of them send a request, so that some connections are mid-request at the stop.
                    if index.isMultiple(of: 2) { _ = RawSocket.send(request, on: socket) }
                }
                group.cancelAll()
                try await group.waitForAll()
            }
        }
    }

    @Test("a hung request ends when the emulator stops: its connection is closed without an answer")
    func hangEndsAtStop() async throws {
        let scenario = try Scenario(
            json: Data(
                Fixture.scenario(
                    timeline: [], faults: [.object([("route", .string("vertex.list")), ("action", .string("hang"))])]
                ).utf8))
        var configured = Emulator(scenario: scenario)
        // Far beyond any stop on a loaded machine, so that a stop that waits for the bound (a hang
        // that ignored the graceful shutdown) tells itself apart by its length.
        configured.maximumStopDuration = .seconds(60)
        let emulator = configured
        let request = Array(
            "GET \(Fixture.jobsPath) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(Fixture.token)\r\n\r\n".utf8
        )
        let socket = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await emulator.run() }
            let port = try #require(try await emulator.baseURL().port)
            let socket = try #require(RawSocket.connect(port: port))
            #expect(RawSocket.send(request, on: socket))
            // The hang logs its request before it waits: once logged, the request is held.
            var turns = 0
            while await emulator.state.requestLog().isEmpty, turns < 1_000_000 {
                await Task.yield()
                turns += 1
            }
            try #require(await emulator.state.requestLog().map(\.status) == [0], "the request reached the hang")
            let clock = ContinuousClock()
            let stopping = clock.now
            group.cancelAll()
            // Returns once the server has stopped, which the held request would delay until the
            // stop's bound cancels the server: the hang must end with the graceful shutdown.
            try await group.waitForAll()
            let stop = stopping.duration(to: clock.now)
            #expect(stop < .seconds(30), "the stop took \(stop): the hang held it until the fallback")
            return socket
        }
        defer { close(socket) }
        // The server closed the connection without writing anything: end of stream at once.
        #expect(RawSocket.readAll(socket) == [])
    }
}

/// Blocking POSIX sockets to loopback: a client that connects and writes no faster than the kernel,
/// with nothing of an HTTP client's own in between.
enum RawSocket {
    /// A connected TCP socket to 127.0.0.1:`port`, or nil.
    static func connect(port: Int) -> Int32? {
        #if canImport(Glibc)
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let socket = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard socket >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                #if canImport(Glibc)
                    Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #else
                    Darwin.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #endif
            }
        }
        guard result == 0 else {
            close(socket)
            return nil
        }
        return socket
    }

    /// Writes all of `bytes`; false if the socket refused.
    static func send(_ bytes: [UInt8], on socket: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return true }
            var sent = 0
            while sent < buffer.count {
                let written = write(socket, base + sent, buffer.count - sent)
                guard written > 0 else { return false }
                sent += written
            }
            return true
        }
    }

    /// Everything the peer sends until it closes or resets the connection; nil if 10 s pass without a
    /// byte (a server that never closes fails the test rather than hanging it).
    static func readAll(_ socket: Int32) -> [UInt8]? {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? nil : bytes }
            bytes += buffer[0..<count]
        }
    }
}
