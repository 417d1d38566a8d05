import Foundation
import LaunchWatchCore
import LaunchWatchEmulator

/// Runs an `Emulator` on a random loopback port for the length of a test.
///
/// ```swift
/// try await EmulatorHarness.with(scenario: scenario) { emulator in
///     let (status, _, body) = try await emulator.request("GET", "/_emulator/health")
/// }
/// ```
public struct EmulatorHarness: Sendable {
    public let baseURL: URL
    public let state: EmulatorState

    /// `baseURL` with `path` (and an optional query) appended.
    public func url(_ path: String, query: [(String, String)] = []) -> URL {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.percentEncodedPath = path
        if !query.isEmpty {
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            // '+' is a space to a form decoder; encode it so a timestamp offset survives.
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        }
        return components.url ?? baseURL
    }

    /// Starts the emulator, runs `body`, and stops the emulator (also when `body` throws).
    public static func with<T: Sendable>(
        scenario: Scenario, _ body: @Sendable (EmulatorHarness) async throws -> T
    ) async throws -> T {
        let emulator = Emulator(scenario: scenario)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await emulator.run()
                return nil
            }
            let harness = EmulatorHarness(baseURL: try await emulator.baseURL(), state: emulator.state)
            do {
                let result = try await body(harness)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Starts the emulator with a scenario given as JSON text.
    public static func with<T: Sendable>(
        scenarioJSON: String, _ body: @Sendable (EmulatorHarness) async throws -> T
    ) async throws -> T {
        try await with(scenario: try Scenario(json: Data(scenarioJSON.utf8)), body)
    }

    /// What `request` sends with: the process's client, a minute at most, bodies up to 256 MB (a test
    /// may read an oversize fault whole). A redirect is an error (`HTTPTransportError.redirected`).
    static let transport = HTTPTransport(timeout: .seconds(60), maximumBytes: 256 * 1_048_576)

    /// Sends a request and returns the status, headers (lowercased names) and body.
    public func request(
        _ method: String, _ path: String, query: [(String, String)] = [], headers: [String: String] = [:],
        body: Data? = nil
    ) async throws -> (status: Int, headers: [String: String], body: Data) {
        var request = HTTPTransport.Request(url: url(path, query: query))
        request.method = method
        for (name, value) in headers { request.setValue(value, forHeader: name) }
        request.body = body
        let answer = try await Self.transport.send(request, timeout: Self.transport.timeout)
        return (answer.status, answer.headers, answer.body)
    }
}
