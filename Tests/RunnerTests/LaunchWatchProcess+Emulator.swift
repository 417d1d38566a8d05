import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

extension LaunchWatchProcess {
    /// Starts `launchwatch emulate ARGUMENTS` and returns the process and the base URL it prints.
    static func emulate(_ arguments: [String]) async throws -> (LaunchWatchProcess, URL) {
        let process = try LaunchWatchProcess(["emulate"] + arguments)
        var base: URL?
        _ = await process.waitForLine { line in
            guard line.hasPrefix("listening on ") else { return false }
            base = URL(string: String(line.dropFirst("listening on ".count)))
            return true
        }
        guard let base else {
            process.send(signal: SIGTERM)
            let result = await process.finish()
            throw ProcessError(message: "no 'listening on' line; stderr: \(result.stderr)")
        }
        return (process, base)
    }

    /// Runs `body` with `launchwatch emulate ARGUMENTS` (the process and its base URL), then stops the
    /// emulator (SIGTERM) and waits for it, whether `body` returned or threw: the scope a `defer`
    /// gave it when these tests were synchronous (a `defer` cannot await).
    static func withEmulator<T>(
        _ arguments: [String], _ body: (LaunchWatchProcess, URL) async throws -> T
    ) async throws -> T {
        let (emulator, base) = try await emulate(arguments)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(emulator, base))
        } catch {
            result = .failure(error)
        }
        emulator.send(signal: SIGTERM)
        _ = await emulator.finish()
        return try result.get()
    }

    /// POSTs `body` to `url`; the status.
    static func post(_ url: URL, _ body: String) async throws -> Int {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        return try await send(request).status
    }

    /// Sends `request` and waits (at most 30 s, without holding a thread) for the answer; status 0
    /// and no body when none came.
    static func send(_ request: URLRequest) async throws -> (status: Int, body: Data) {
        await withCheckedContinuation { continuation in
            // URLSession calls this once: with the answer, an error, or the cancellation below.
            let task = URLSession.shared.dataTask(with: request) { data, response, _ in
                continuation.resume(returning: ((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()))
            }
            task.resume()
            DispatchQueue.global().asyncAfter(deadline: .now() + 30) { task.cancel() }
        }
    }
}
