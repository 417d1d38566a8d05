import Foundation
import LaunchWatchCore
import LaunchWatchTesting
import Testing

@Suite("Proxies from the environment, as curl reads them")
struct HTTPProxyEnvironmentTests {
    static let https = url("https://us-central1-aiplatform.googleapis.com/v1/x")
    static let http = url("http://metadata.google.internal/computeMetadata/v1/")

    /// `text` as a URL; a test's own literals always parse.
    static func url(_ text: String) -> URL { URL(string: text) ?? URL(fileURLWithPath: "/unparsed") }

    @Test("https_proxy (or HTTPS_PROXY) for https, http_proxy for http, all_proxy for either")
    func variables() {
        let proxies = HTTPProxyEnvironment(environment: [
            "HTTPS_PROXY": "http://proxy.corp:3128", "http_proxy": "plain.corp:8080",
        ])
        #expect(proxies.setting(for: Self.https) == .http(host: "proxy.corp", port: 3128, user: nil, password: nil))
        #expect(proxies.setting(for: Self.http) == .http(host: "plain.corp", port: 8080, user: nil, password: nil))
        let upper = HTTPProxyEnvironment(environment: ["HTTP_PROXY": "http://cgi.example:1"])
        #expect(upper.setting(for: Self.http) == nil, "HTTP_PROXY is not read, as curl does not")
        let all = HTTPProxyEnvironment(environment: ["all_proxy": "socks5h://socks.corp"])
        #expect(all.setting(for: Self.https) == .socks(host: "socks.corp", port: 1080))
        #expect(all.setting(for: Self.http) == .socks(host: "socks.corp", port: 1080))
    }

    @Test("no_proxy names hosts and their subdomains reached directly; * all; loopback always")
    func noProxy() {
        let proxies = HTTPProxyEnvironment(environment: [
            "https_proxy": "http://proxy.corp:3128", "http_proxy": "http://proxy.corp:3128",
            "no_proxy": " .googleapis.com, metadata.google.internal:80,10.0.0.1",
        ])
        #expect(proxies.setting(for: Self.https) == nil)
        #expect(proxies.setting(for: Self.http) == nil)
        #expect(proxies.setting(for: Self.url("https://api.wandb.ai/graphql")) != nil)
        #expect(proxies.setting(for: Self.url("https://notgoogleapis.com/")) != nil, "a suffix is a domain")
        #expect(proxies.setting(for: Self.url("http://10.0.0.1/")) == nil)
        #expect(proxies.setting(for: Self.url("http://110.0.0.1/")) != nil, "an address only covers itself")
        for loopback in ["http://127.0.0.1:8080/", "http://localhost/", "http://[::1]:9/"] {
            #expect(proxies.setting(for: Self.url(loopback)) == nil, "\(loopback)")
        }
        let none = HTTPProxyEnvironment(environment: ["https_proxy": "http://p:1", "NO_PROXY": "*"])
        #expect(none.setting(for: Self.https) == nil)
    }

    @Test("a user and password in the proxy URL are read (percent-decoded) and never shown")
    func credentials() {
        let proxies = HTTPProxyEnvironment(environment: ["https_proxy": "http://me:p%40ss@proxy.corp:3128/"])
        let setting = proxies.setting(for: Self.https)
        #expect(setting == .http(host: "proxy.corp", port: 3128, user: "me", password: "p@ss"))
        #expect(setting?.summary == "proxy.corp:3128")
    }

    @Test("a proxy that cannot be used is an error for every request it would carry, naming the variable")
    func unusable() async throws {
        for (value, reason) in [
            ("https://proxy.corp:443", "https://"), ("socks5://u:p@socks:1080", "user and password"),
            ("http://proxy.corp:99999", "not a port"), ("ftp://proxy.corp", "ftp://"),
        ] {
            let proxies = HTTPProxyEnvironment(environment: ["HTTPS_PROXY": value])
            guard case .unusable(let variable, let why)? = proxies.setting(for: Self.https) else {
                Issue.record("\(value) was taken as a proxy")
                continue
            }
            #expect(variable == "HTTPS_PROXY")
            #expect(why.contains(reason), "\(why)")
            #expect(!why.contains("u:p"))
        }
        let client = SharedHTTPClient(proxies: HTTPProxyEnvironment(environment: ["HTTPS_PROXY": "https://p:443"]))
        let transport = HTTPTransport(timeout: .seconds(5), client: client)
        let error = await #expect(throws: HTTPTransportError.self) {
            _ = try await transport.send(HTTPTransport.Request(url: Self.https), timeout: .seconds(5))
        }
        try await client.shutdown()
        guard case .network(let message)? = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("the proxy that HTTPS_PROXY names cannot be used"), "\(message)")
    }

    @Test("an https request goes to the proxy as CONNECT host:443, with the proxy's credentials")
    func connectThroughProxy() async throws {
        let proxy = try ConnectionRecorder(answer: "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
        defer { proxy.close() }
        let client = SharedHTTPClient(
            proxies: HTTPProxyEnvironment(environment: ["https_proxy": "http://me:p%40ss@127.0.0.1:\(proxy.port)"]))
        let transport = HTTPTransport(timeout: .seconds(5), client: client)
        let error = await #expect(throws: HTTPTransportError.self) {
            _ = try await transport.send(
                HTTPTransport.Request(url: Self.url("https://api.example.invalid/v1")), timeout: .seconds(5))
        }
        try await client.shutdown()
        guard case .network(let message)? = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(message.contains("407"), "\(message)")
        let sent = String(decoding: proxy.received, as: UTF8.self)
        #expect(sent.hasPrefix("CONNECT api.example.invalid:443 HTTP/1.1\r\n"), "\(sent)")
        // me:p@ss
        #expect(sent.lowercased().contains("proxy-authorization: basic bwu6cebzcw=="), "\(sent)")
    }

    @Test("a host in no_proxy and loopback never reach the proxy")
    func bypass() async throws {
        let proxy = try ConnectionRecorder(answer: "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
        defer { proxy.close() }
        let server = try ConnectionRecorder(answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        defer { server.close() }
        let client = SharedHTTPClient(
            proxies: HTTPProxyEnvironment(environment: [
                "http_proxy": "http://127.0.0.1:\(proxy.port)", "https_proxy": "http://127.0.0.1:\(proxy.port)",
                "no_proxy": "direct.invalid",
            ]))
        let transport = HTTPTransport(timeout: .seconds(5), client: client)
        let answer = try await transport.send(
            HTTPTransport.Request(url: Self.url("http://127.0.0.1:\(server.port)/")), timeout: .seconds(5))
        #expect(answer.status == 200)
        let error = await #expect(throws: HTTPTransportError.self) {
            _ = try await transport.send(
                HTTPTransport.Request(
                    url: Self.url("https://" + String(repeating: "a", count: 64) + ".direct.invalid/")),
                timeout: .seconds(5))
        }
        try await client.shutdown()
        #expect(error == .network("the host name does not resolve"))
        #expect(proxy.connections == 0)
    }
}
