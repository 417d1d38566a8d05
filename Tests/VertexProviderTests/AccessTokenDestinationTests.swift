import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import LaunchWatchVertexGcloud
import Testing

@testable import LaunchWatchGoogleCloud

/// The checks made where a credential is sent judge what the request goes to, and fail closed on
/// text that still holds a `${...}` reference.
@Suite("Google credential destinations at send time")
struct AccessTokenDestinationTests {
    static func source(_ environment: [String: String] = [:]) -> AccessTokenSource {
        AccessTokenSource(
            credentials: nil, environment: environment, baseDirectory: FileManager.default.temporaryDirectory,
            transport: HTTPTransport(timeout: .seconds(1)))
    }

    @Test(
        "a token URL still holding a reference is refused, on a trusted host too",
        arguments: ["https://x.example/${a}", "https://oauth2.googleapis.com/${a}", "http://127.0.0.1:9/${a}/token"])
    func checkedRefusesReferences(_ text: String) async {
        let source = Self.source()
        await #expect(throws: AccessTokenError.self) { try await source.checked(text, what: "the token endpoint") }
    }

    @Test("a trusted token URL is accepted")
    func checkedAcceptsTrusted() async throws {
        let url = try await Self.source().checked("https://oauth2.googleapis.com/token", what: "the token endpoint")
        #expect(url.host == "oauth2.googleapis.com")
    }

    @Test(
        "vertex-gcloud refuses, when made, an env that would point gcloud elsewhere, a path reference or not",
        arguments: [
            "https://collector.example/${fact.run_id}/", "https://collector.example/$${x}/",
            "https://collector.example/${x}/",
        ])
    func gcloudProviderRefusesForeignOverride(_ value: String) throws {
        let configuration = try JSONValueDecoder().decode(
            VertexGcloudProvider.Configuration.self,
            from: .object([
                ("project", .string("p")), ("region", .string("us-central1")),
                ("match", .object([("jobId", .string("1"))])),
                ("env", .object([("CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM", .string(value))])),
            ]))
        let context = ProviderContext(
            id: "g", baseDirectory: FileManager.default.temporaryDirectory, environment: [:], startedAt: Date())
        #expect(throws: ProviderError.self) { try VertexGcloudProvider(configuration: configuration, context: context) }
    }
}

/// An HTTP client that follows redirects (FoundationNetworking did, to any host) copies
/// `Authorization` along (and, for 307 and 308, the body). The transport follows none: the second
/// listener must receive nothing.
@Suite("redirects are not followed")
struct RedirectTests {
    static func redirecting(_ status: Int, to target: ConnectionRecorder) throws -> ConnectionRecorder {
        try ConnectionRecorder(
            answer: "HTTP/1.1 \(status) Moved\r\nLocation: http://localhost:\(target.port)/collect\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n")
    }

    @Test(
        "a 302 or 307 answer is reported as a redirect naming the host, and the target gets nothing",
        arguments: [302, 307])
    func transportDoesNotFollow(_ status: Int) async throws {
        let target = try ConnectionRecorder()
        defer { target.close() }
        let first = try Self.redirecting(status, to: target)
        defer { first.close() }
        var request = HTTPTransport.Request(url: try #require(URL(string: "http://127.0.0.1:\(first.port)/token")))
        request.method = "POST"
        request.setValue("Bearer \(SentinelSecrets.environment.values.first ?? "t")", forHeader: "Authorization")
        request.body = Data("refresh_token=r".utf8)
        let transport = HTTPTransport(timeout: .seconds(3))
        let error = await #expect(throws: HTTPTransportError.self) {
            _ = try await transport.send(request, timeout: .seconds(3))
        }
        #expect(error == .redirected(status: status, host: "localhost"))
        #expect(first.connections == 1)
        #expect(target.connections == 0, "\(String(decoding: target.received, as: UTF8.self))")
    }

    @Test("a token endpoint that redirects gets no refresh token through: the error names the host")
    func tokenRequestDoesNotFollow() async throws {
        let target = try ConnectionRecorder()
        defer { target.close() }
        let first = try Self.redirecting(307, to: target)
        defer { first.close() }
        try await TemporaryFolder.with { folder in
            let file = try folder.write(
                "adc.json",
                #"{"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"}"#)
            let source = AccessTokenSource(
                credentials: GoogleCredentials(tokenEndpoint: "http://127.0.0.1:\(first.port)/token"),
                environment: ["GOOGLE_APPLICATION_CREDENTIALS": file.path], baseDirectory: folder.url,
                transport: HTTPTransport(timeout: .seconds(3)))
            let error = await #expect(throws: ProviderError.self) { _ = try await source.token() }
            #expect(error?.message.contains("a redirect to localhost") == true, "\(String(describing: error))")
        }
        #expect(target.connections == 0)
    }
}

/// The `gcloud auth print-access-token` fallback, with a stand-in gcloud that never answers: it gets
/// the token timeout, is killed when given up on, and is told never to prompt.
@Suite("the gcloud fallback is bounded")
struct GcloudFallbackBoundsTests {
    /// A gcloud that hangs for an hour: longer than any wait a test can see. It slept 60 s before,
    /// and in a full run whose threads were all busy for two minutes the 1 s timeout fired only after
    /// that sleep had ended, with exit 0 and no output: "failed (exit 0)" instead of the timeout.
    static func hangingGcloud(_ folder: TemporaryFolder) throws -> [String: String] {
        let script = try folder.write(
            "bin/gcloud",
            "#!/bin/sh\necho \"$CLOUDSDK_CORE_DISABLE_PROMPTS\" > \(folder.url.path)/prompts\n"
                + "echo $$ > \(folder.url.path)/pid\nexec /bin/sleep 3600\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return ["PATH": script.deletingLastPathComponent().path, "HOME": folder.url.path, "NO_GCE_CHECK": "true"]
    }

    /// Waits (up to 10 s, polling) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    static func pid(_ folder: TemporaryFolder) -> pid_t? {
        (try? String(contentsOf: folder.url.appendingPathComponent("pid"), encoding: .utf8))
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    static func alive(_ pid: pid_t) -> Bool {
        // A killed child may linger as a zombie until reaped; /proc says which.
        guard kill(pid, 0) == 0 else { return false }
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return !status.contains("State:\tZ")
    }

    @Test("a gcloud that never answers times out, is killed, and was told not to prompt")
    func timesOutAndIsKilled() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = AccessTokenSource(
            credentials: nil, environment: try Self.hangingGcloud(folder), baseDirectory: folder.url,
            transport: HTTPTransport(timeout: .seconds(1)))
        let error = await #expect(throws: ProviderError.self) { _ = try await source.token() }
        #expect(error?.message.contains("gave no token within 1s") == true, "\(String(describing: error))")
        let pid = try #require(Self.pid(folder))
        #expect(await Self.eventually { !Self.alive(pid) }, "gcloud (pid \(pid)) still runs")
        let prompts = try String(contentsOf: folder.url.appendingPathComponent("prompts"), encoding: .utf8)
        #expect(prompts.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }

    @Test("cancelling the watch kills gcloud")
    func cancelledIsKilled() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = AccessTokenSource(
            credentials: nil, environment: try Self.hangingGcloud(folder), baseDirectory: folder.url,
            transport: HTTPTransport(timeout: .seconds(10)))
        let task = Task { try await source.token() }
        #expect(await Self.eventually { Self.pid(folder) != nil })
        task.cancel()
        let result = await task.result
        #expect(throws: ProviderError.self) { try result.get() }
        let pid = try #require(Self.pid(folder))
        #expect(await Self.eventually { !Self.alive(pid) }, "gcloud (pid \(pid)) still runs")
    }
}

/// A relative `GOOGLE_APPLICATION_CREDENTIALS` names a file relative to the working directory, as
/// google-auth opens it, both where the token source reads it and where the destination rule does.
@Suite("GOOGLE_APPLICATION_CREDENTIALS relative to the working directory")
struct RelativeCredentialsPathTests {
    @Test("a relative path is not looked up in the pipeline's folder")
    func relativeToWorkingDirectory() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try folder.write(
            "adc.json", #"{"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"}"#)
        // From any working directory: enough `..` reach the root, then the absolute path follows.
        let fromWorkingDirectory = String(repeating: "../", count: 64) + file.path.dropFirst()
        let credentials = GoogleCredentials(tokenEndpoint: "http://127.0.0.1:9/token")
        for (path, found) in [(fromWorkingDirectory, true), ("adc.json", false)] {
            let environment = ["GOOGLE_APPLICATION_CREDENTIALS": path, "HOME": folder.url.path, "NO_GCE_CHECK": "true"]
            let source = AccessTokenSource(
                credentials: credentials, environment: environment, baseDirectory: folder.url,
                transport: HTTPTransport(timeout: .seconds(2)))
            let error = await #expect(throws: ProviderError.self) { _ = try await source.token() }
            #expect(error?.message.contains("(authorized user)") == found, "\(path): \(String(describing: error))")
            let files = GoogleCredentialDestinations.userCredentialFiles(environment).map(\.standardizedFileURL.path)
            #expect(files.contains(file.standardizedFileURL.path) == found, "\(path): \(files)")
        }
    }
}
