import Foundation
import LaunchWatchCore
import Testing

@Suite("ProviderError.Code")
struct ProviderErrorCodeTests {
    /// Every code Core declares, with the string recordings held before codes were typed: a member
    /// whose raw value changed would make old recordings replay with another code.
    static let wireForms: [(ProviderError.Code, String)] = [
        (.badConfig, "bad_config"),
        (.configuration, "configuration"),
        (.unreadable, "unreadable"),
        (.badRecording, "bad_recording"),
        (.credentials, "credentials"),
        (.credentialsRefused, "credentials_refused"),
        (.timeout, "timeout"),
        (.cancelled, "cancelled"),
        (.network, "network"),
        (.redirected, "redirected"),
        (.responseTooLarge, "response_too_large"),
        (.malformedResponse, "malformed_response"),
        (.unsupported, "unsupported"),
        (.internal, "internal"),
        (.unexpected, "error"),
        (.http(400), "http_400"),
        (.http(429), "http_429"),
        (.http(503), "http_503"),
    ]

    @Test("each member's raw value is the code's wire string", arguments: wireForms)
    func rawValues(code: ProviderError.Code, wire: String) {
        #expect(code.rawValue == wire)
        #expect(code.description == wire)
        #expect(ProviderError.Code(rawValue: wire) == code)
    }

    @Test("the members are distinct")
    func membersAreDistinct() {
        #expect(Set(Self.wireForms.map(\.0)).count == Self.wireForms.count)
    }

    @Test("a string literal is the member with that raw value")
    func literalsEqualMembers() {
        let literal: ProviderError.Code = "malformed_response"
        #expect(literal == .malformedResponse)
        #expect(ProviderError(code: "http_429", message: "slow down").code == .http(429))
        #expect(ProviderError.Code(rawValue: "timeout") != .cancelled)
        // A provider's own code is an ordinary value, distinct from the shared ones.
        let maintenance: ProviderError.Code = "maintenance"
        #expect(!Self.wireForms.map(\.0).contains(maintenance))
    }

    @Test("http(status) round-trips through httpStatus", arguments: [100, 200, 400, 401, 404, 413, 429, 500, 503, 599])
    func httpRoundTrip(status: Int) {
        let code = ProviderError.Code.http(status)
        #expect(code.httpStatus == status)
        #expect(code.isHTTP)
        #expect(ProviderError.Code(rawValue: "http_\(status)").httpStatus == status)
    }

    @Test(
        "codes that are not http_STATUS have no status",
        arguments: ["timeout", "http_", "http", "http_abc", "http_+5", "http_-1", "http_04", "http_4 ", "xhttp_400"])
    func notHTTP(raw: String) {
        let code = ProviderError.Code(rawValue: raw)
        #expect(code.httpStatus == nil)
        #expect(!code.isHTTP)
    }

    @Test("a failed poll is recorded with the code's wire string and read back as the same code")
    func recordingKeepsTheCode() throws {
        let startedAt = Date(timeIntervalSince1970: 1_764_489_227)
        for code in Self.wireForms.map(\.0) + ["maintenance"] {
            let error = ProviderError(code: code, message: "it failed")
            let entry = RecordingEntry(
                failure: error, provider: "vertex", at: startedAt.addingTimeInterval(3.5), startedAt: startedAt)
            let line = entry.jsonLine()
            #expect(
                line == #"{"at":3.5,"error":{"code":"\#(code.rawValue)","message":"it failed"},"provider":"vertex"}"#)
            let read = try RecordingEntry.parse(lines: line)
            #expect(read.first?.error?.code == code)
        }
    }

    @Test("a recording written before codes were typed reads as the typed code")
    func oldRecordingReads() throws {
        let entries = try RecordingEntry.parse(
            lines: #"{"at":1,"provider":"logs","error":{"code":"credentials_refused","message":"not sent"}}"#)
        #expect(entries.first?.error?.code == .credentialsRefused)
    }

    @Test("a recorded code that is not a string names the line")
    func nonStringCode() {
        let error = #expect(throws: ProviderError.self) {
            try RecordingEntry.parse(lines: #"{"at":1,"provider":"logs","error":{"code":503,"message":"x"}}"#)
        }
        #expect(error?.code == .badRecording)
        #expect(error?.message.hasPrefix("line 1: error.code") == true, "\(error?.message ?? "")")
    }
}
