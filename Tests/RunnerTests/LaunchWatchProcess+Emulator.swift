import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

extension LaunchWatchProcess {
    /// Starts `launchwatch emulate ARGUMENTS` and returns the process and the base URL it prints.
    static func emulate(_ arguments: [String]) throws -> (LaunchWatchProcess, URL) {
        let process = try LaunchWatchProcess(["emulate"] + arguments)
        var base: URL?
        _ = process.waitForLine { line in
            guard line.hasPrefix("listening on ") else { return false }
            base = URL(string: String(line.dropFirst("listening on ".count)))
            return true
        }
        guard let base else {
            process.send(signal: SIGTERM)
            let result = process.finish()
            throw ProcessError(message: "no 'listening on' line; stderr: \(result.stderr)")
        }
        return (process, base)
    }

    /// POSTs `body` to `url`; the status.
    static func post(_ url: URL, _ body: String) throws -> Int {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        return try send(request).status
    }

    /// Sends `request` and waits (at most 30 s) for the answer.
    static func send(_ request: URLRequest) throws -> (status: Int, body: Data) {
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, _ in
            box.set((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data())
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 30) == .success else { return (0, Data()) }
        return box.value
    }
}

private final class ResponseBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (Int, Data) = (0, Data())
    func set(_ status: Int, _ data: Data) { lock.withLock { stored = (status, data) } }
    var value: (status: Int, body: Data) { lock.withLock { stored } }
}
