import AsyncHTTPClient
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The HTTP client every provider of a process shares (async-http-client), handed to providers in
/// `ProviderContext.http`: connections are pooled across providers and polls, on one event loop group.
///
/// - Redirects are never followed (`HTTPTransportError.redirected`): a credential must not go along
///   to a host nobody checked.
/// - Proxies come from the environment (`HTTPProxyEnvironment`): one client goes directly, and one
///   per proxy named; `clientAndProxy(for:)` picks per URL.
/// - Lifetime: `processWide` lives as long as the process and is never shut down (like
///   async-http-client's own `HTTPClient.shared`): the runner, the test harness and every
///   `ProviderContext` that is given none use it, and nothing has to outlive a watch to close it.
///   A client made with `init(proxies:)` must be shut down with `shutdown()` before it is released;
///   both are `package`, for this package's tests of proxies: outside it, `processWide` is the client.
public final class SharedHTTPClient: Sendable {
    /// The process's client, with the proxies of the process environment; made on first use, never
    /// shut down.
    public static let processWide = SharedHTTPClient(
        proxies: HTTPProxyEnvironment(environment: ProcessInfo.processInfo.environment))

    /// The proxies this client honours.
    package let proxies: HTTPProxyEnvironment
    /// The client that goes directly, without a proxy.
    public let direct: HTTPClient
    private let proxied: [HTTPProxyEnvironment.Setting: HTTPClient]

    /// A client with `proxies` (`.none` for none). Shut it down with `shutdown()`.
    package init(proxies: HTTPProxyEnvironment) {
        self.proxies = proxies
        direct = HTTPClient(configuration: Self.configuration(proxy: nil))
        var proxied: [HTTPProxyEnvironment.Setting: HTTPClient] = [:]
        for setting in [proxies.https, proxies.http].compactMap({ $0 }) where proxied[setting] == nil {
            switch setting {
            case .http(let host, let port, let user, let password):
                let authorization = user.map { HTTPClient.Authorization.basic(username: $0, password: password ?? "") }
                proxied[setting] = HTTPClient(
                    configuration: Self.configuration(
                        proxy: .server(host: host, port: port, authorization: authorization)))
            case .socks(let host, let port):
                proxied[setting] = HTTPClient(
                    configuration: Self.configuration(proxy: .socksServer(host: host, port: port)))
            case .unusable:
                break
            }
        }
        self.proxied = proxied
    }

    /// The client for a request to `url` and the proxy it goes through (`nil`: directly); throws
    /// when the environment names a proxy for it that cannot be used.
    package func clientAndProxy(for url: URL) throws(HTTPTransportError) -> (HTTPClient, HTTPProxyEnvironment.Setting?)
    {
        guard let setting = proxies.setting(for: url) else { return (direct, nil) }
        if case .unusable(let variable, let reason) = setting {
            throw .network(
                "the proxy that \(variable) names cannot be used: \(reason) (or name the host in no_proxy)")
        }
        guard let client = proxied[setting] else { return (direct, nil) }
        return (client, setting)
    }

    /// Closes every connection. Only for a client made with `init(proxies:)`; `processWide` is
    /// never shut down.
    package func shutdown() async throws {
        try await direct.shutdown()
        for client in proxied.values { try await client.shutdown() }
    }

    /// What every client of the process shares: no redirects (3xx is the answer), no decompression
    /// (status answers are small; nothing asks for gzip), a connection attempt tried once, and a
    /// connect timeout long enough that the request's own deadline decides (`HTTPTransport.send`).
    static func configuration(proxy: HTTPClient.Configuration.Proxy?) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(30)),
            proxy: proxy,
            decompression: .disabled)
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        // A refused connection fails its request at once, as a network error, instead of being tried
        // again until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }
}
