import Foundation
import LaunchWatchCore
import StatusEndpointProvider
import Testing

@Suite("StatusEndpointProvider against a local status server")
struct StatusEndpointProviderTests {
    static let startedAt = Date(timeIntervalSince1970: 1_764_489_227)

    func provider(_ url: String) throws -> any Provider {
        var registry = ProviderRegistry()
        try registry.register(StatusEndpointProvider.self)
        let registration = try #require(registry["status-endpoint"])
        return try registration.make(
            configuration: .object([("url", .string(url)), ("timeout", .string("2s"))]), at: JSONPath(),
            context: ProviderContext(
                id: "platform", baseDirectory: URL(fileURLWithPath: "/"), environment: [:], startedAt: Self.startedAt))
    }

    var context: PollContext { PollContext(now: Self.startedAt, startedAt: Self.startedAt, attempt: 0) }

    @Test("a failed launch: its state, time, message and run id")
    func failedLaunch() async throws {
        let server = StatusServer()
        server.set(
            "42",
            #"{"state": "failed", "updatedAt": "2026-01-05T10:00:09Z", "runId": "k3x9ab12", "message": "CUDA out of memory", "code": "OOM", "extra": 1}"#
        )
        let result = try await server.serving { base in
            try await provider(base.appendingPathComponent("launches/42").absoluteString).poll(context)
        }
        let observation = try #require(result.observations.first)
        #expect(observation.status == "failed")
        #expect(observation.backendTime == RFC3339.date(from: "2026-01-05T10:00:09Z"))
        #expect(observation.detail == FailureDetail(code: "OOM", message: "CUDA out of memory"))
        #expect(observation.facts == ["run_id": "k3x9ab12"])
    }

    @Test("a launch the service does not know yet is nothing yet, not an error")
    func unknownLaunch() async throws {
        let server = StatusServer()
        let result = try await server.serving { base in
            try await provider(base.appendingPathComponent("launches/7").absoluteString).poll(context)
        }
        #expect(result.observations.isEmpty)
    }

    @Test("an error answer or a body without state is a provider error")
    func errors() async throws {
        let server = StatusServer()
        server.set("1", status: 503, #"{"error": "maintenance"}"#)
        server.set("2", #"{"status": "running"}"#)
        let codes = try await server.serving { base in
            var codes: [String] = []
            for launch in ["1", "2"] {
                do {
                    _ = try await provider(base.appendingPathComponent("launches/\(launch)").absoluteString).poll(
                        context)
                } catch let error as ProviderError {
                    codes.append(error.code.rawValue)
                }
            }
            return codes
        }
        #expect(codes == ["http_503", "malformed_response"])
    }

    @Test("plain http is refused off loopback")
    func plainHTTPOffLoopback() throws {
        #expect(throws: (any Error).self) { try provider("http://launches.example.com/launches/1") }
    }
}
